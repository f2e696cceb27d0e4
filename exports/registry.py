"""Which builder makes each kind of export. Apps register theirs in AppConfig.ready() or at import of their exports.

A builder takes the job's params (a dict of plain values) and returns (filename, bytes). It must not write the job.
A builder registered with `reports_progress=True` also takes `progress`, a function it calls as each step starts,
`progress(done, total, step)` ("Victims Fund" as step 3 of 8 is `progress(2, 8, "Victims Fund")`): the runner
records it on the job, for its page.
"""

from collections.abc import Callable

Builder = Callable[..., tuple[str, bytes]]
Progress = Callable[[int, int, str], None]
_builders: dict[str, Builder] = {}
_reporting_progress: set[str] = set()


def register(kind: str, *, reports_progress: bool = False) -> Callable[[Builder], Builder]:
    def decorator(builder: Builder) -> Builder:
        _builders[kind] = builder
        if reports_progress:
            _reporting_progress.add(kind)
        else:
            _reporting_progress.discard(kind)
        return builder

    return decorator


def builder_for(kind: str) -> Builder:
    try:
        return _builders[kind]
    except KeyError:
        raise LookupError(f"No export builder is registered for {kind!r}") from None


def reports_progress(kind: str) -> bool:
    return kind in _reporting_progress
