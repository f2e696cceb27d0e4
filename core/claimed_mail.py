"""Sending a chunk of claimed emails over one mail connection, each claim in its own transaction.

The claims and what each email says belong to the callers (providers.reminders for monitoring returns,
applications.report_reminders for grant reports); this is only the loop they share: one connection for the chunk, a
failed send leaves its claim pending for the next tick without holding up the rest, and after
FAILURES_BEFORE_GIVING_UP failures in a row the mail server is taken to be down and the rest wait for the next tick.
"""

import contextlib
import logging
from collections.abc import Callable

from django.core.mail import mailers

log = logging.getLogger(__name__)

FAILURES_BEFORE_GIVING_UP = 3


def send_chunk(claim_ids: list[int], send: Callable[[int, object], bool], *, what: str) -> int:
    """Call send(claim_id, mailer) for each claim, sharing one open mail connection. Returns how many were sent.
    `what` names the claims in the log ("reminder", "report reminder")."""
    sent = failures = 0
    with mailers.default as mailer:
        for done, claim_id in enumerate(claim_ids, start=1):
            try:
                sent += send(claim_id, mailer)
                failures = 0
            except Exception:
                log.exception(
                    "%s %s not sent; it stays pending for the next tick", what.capitalize(), claim_id
                )
                failures += 1
                with contextlib.suppress(Exception):
                    mailer.close()  # a broken connection would fail every send after it; the next send opens anew
                if failures >= FAILURES_BEFORE_GIVING_UP:
                    log.error(
                        "Mail looks down: %s %ss left pending for the next tick", len(claim_ids) - done, what
                    )
                    break
    return sent
