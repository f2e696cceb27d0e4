"""Application references, like "HCF-2425-00042": a stem made of the round's prefix and the financial year, then a
number from a counter that only goes up. A number once given is never given again, whatever is deleted, anonymised
or shares the stem."""

from collections.abc import Iterable

from django.db import transaction

from ..models import Application, ReferenceCounter, Round


def reference_stem(round_: Round) -> str:
    return f"{round_.reference_prefix}-{round_.budget.year.label('short').replace('-', '')}-"


def split_reference(reference: str | None) -> tuple[str, int] | None:
    """("HCF-2425-", 42) for "HCF-2425-00042"; None for a reference with no number at the end, or none at all."""
    stem, dash, tail = (reference or "").rpartition("-")
    if not dash or not (tail.isascii() and tail.isdigit()):
        return None
    return f"{stem}-", int(tail)


def highest_number_used(stem: str) -> int:
    """The highest number any stored reference has under `stem` (the highest, not how many: rows go missing)."""
    numbers = [
        parsed[1]
        for reference in Application.objects.filter(reference__startswith=stem).values_list(
            "reference", flat=True
        )
        if (parsed := split_reference(reference)) and parsed[0] == stem
    ]
    return max(numbers, default=0)


def _locked_counter(stem: str) -> ReferenceCounter:
    # INSERT ... ON CONFLICT DO NOTHING, then lock: the first two submissions under a new stem cannot both create
    # the row (the second waits for the first's insert), and both then queue on the same lock.
    ReferenceCounter.objects.bulk_create([ReferenceCounter(stem=stem)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(stem=stem)
    if counter.last_number == 0:
        # A counter that has never given a number starts after whatever is already stored under its stem: rows from
        # before counters existed, or written by a loader.
        counter.last_number = highest_number_used(stem)
        counter.save(update_fields=["last_number"])
    return counter


@transaction.atomic
def reserve_reference(stem: str) -> str:
    """The next reference under `stem`. Call it inside the transaction that stores the reference: the counter stays
    locked until that commits, so a racing submission waits and takes the number after; if the transaction rolls
    back, so does the number."""
    counter = _locked_counter(stem)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{stem}{counter.last_number:05d}"


@transaction.atomic
def note_references_used(references: Iterable[str]) -> None:
    """Move the counters past references that a loader (the demo, the scale data) wrote itself, so the next
    submission under the same stem carries on after them instead of colliding."""
    highest: dict[str, int] = {}
    for reference in references:
        parsed = split_reference(reference)
        if parsed:
            stem, number = parsed
            highest[stem] = max(number, highest.get(stem, 0))
    for stem in sorted(highest):  # always lock counters in the same order, so two loaders cannot deadlock
        counter = _locked_counter(stem)
        if highest[stem] > counter.last_number:
            counter.last_number = highest[stem]
            counter.save(update_fields=["last_number"])
