"""Amounts printed in £000's or £m, rounded so the rows still add up to the printed total.

Each row is rounded down to the unit, and the units the rows are then short of the rounded total go one each to the
rows that lost most in rounding down (the largest remainder method; among equal remainders, the row printed first).
That only works when no row is negative: a negative row rounded down moves away from zero, and the rows may then need
more units than there are rows with a remainder. Then each row is rounded on its own and the table says so in a note.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

ROWS_ROUNDED_SEPARATELY = "Rows are rounded separately, so they may not add up to the total."


@dataclass(frozen=True)
class Rounded:
    rows: list[Decimal]
    total: Decimal
    adds_up: bool  # False: the rows were rounded separately and their sum differs from the total


def rounded_to_unit(amounts: Sequence[Decimal], *, per_unit: Decimal, places: Decimal) -> Rounded:
    """`amounts` in pounds, in units of `per_unit` pounds (1000 for £000's), to `places` (Decimal("1") for whole
    thousands, Decimal("0.01") for £m to two places)."""
    scaled = [Decimal(a) / per_unit for a in amounts]
    total = sum(scaled, Decimal(0)).quantize(places, ROUND_HALF_UP)
    if all(a >= 0 for a in scaled):
        floors = [a.quantize(places, ROUND_FLOOR) for a in scaled]
        short = int((total - sum(floors, Decimal(0))) / places)
        by_remainder = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
        for i in by_remainder[:short]:
            floors[i] += places
        if sum(floors, Decimal(0)) == total:
            return Rounded(floors, total, True)
    return rounded_separately(amounts, per_unit=per_unit, places=places)


def rounded_separately(amounts: Sequence[Decimal], *, per_unit: Decimal, places: Decimal) -> Rounded:
    """Each amount rounded on its own (half up), and the total of the unrounded amounts rounded."""
    scaled = [Decimal(a) / per_unit for a in amounts]
    total = sum(scaled, Decimal(0)).quantize(places, ROUND_HALF_UP)
    separately = [a.quantize(places, ROUND_HALF_UP) for a in scaled]
    return Rounded(separately, total, sum(separately, Decimal(0)) == total)
