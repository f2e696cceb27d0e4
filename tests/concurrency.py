"""Racing real transactions: each action runs in its own thread, on its own database connection, all released at
once by a barrier. What each returned, or the exception it raised, comes back in the order given."""

import threading

from django.db import connections


def race(actions, *, timeout: float = 60) -> list:
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index: int, action) -> None:
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes


def refused(outcomes: list) -> list[Exception]:
    return [o for o in outcomes if isinstance(o, Exception)]


def succeeded(outcomes: list) -> list:
    return [o for o in outcomes if not isinstance(o, Exception)]
