"""Sharing a pot between areas by need: weighted indicators, then whole pounds by the largest remainder method.

How a share is worked out (this is the explanation staff give when asked):

1. Each indicator (female population, MARAC referrals, recorded demand, ...) is turned into shares of its own
   total. If Dudley has 10% of all MARAC referrals, its MARAC share is 10%. An indicator's units therefore do not
   matter: a population of 160,000 and 900 referrals count only through each area's part of their total.
2. The indicator shares are blended using the weights: an area's combined share is the sum of (weight × share) over
   the indicators, divided by the sum of the weights. Weights are relative, so 0.4/0.3/0.3 and 40/30/30 give the
   same result. An indicator with weight 0 has no effect. An indicator where every area has 0 carries no
   information, so it is left out and the other weights are scaled up to fill its place. If no weighted indicator has
   any value at all, the pot is split equally.
3. Each area's exact entitlement is pot × combined share. This is computed with exact fractions, so no rounding
   happens until step 4.
4. Money is paid in whole pounds: every area first gets its entitlement rounded down; the pounds left over (fewer
   than the number of areas) go one each to the areas with the largest pence-and-fractions dropped in rounding down
   ("largest remainder"). When two areas dropped exactly the same amount, the one listed first gets the pound.

The result always adds up to exactly the pot, never gives an area less than £0, and an area with a higher figure on
every indicator never gets less than an area with a lower one.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


class AllocationInputError(ValueError):
    """The inputs cannot be shared out; the message says which input and why."""


@dataclass(frozen=True)
class Indicator:
    weight: Decimal
    values: Mapping = field(default_factory=dict)  # area -> value; an area left out counts as 0
    name: str = ""


def _exact(value, what: str) -> Fraction:
    # Floats and booleans are refused: a share of public money must not depend on binary rounding.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, Fraction)):
        raise AllocationInputError(f"{what} must be a Decimal or a whole number, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise AllocationInputError(f"{what} must be a number")
    exact = Fraction(value)
    if exact < 0:
        raise AllocationInputError(f"{what} must be 0 or more")
    return exact


def _check_pot(pot) -> int:
    exact = _exact(pot, "The pot")
    if exact.denominator != 1:
        raise AllocationInputError("The pot must be in whole pounds")
    return int(exact)


def combined_shares[K: Hashable](areas: Sequence[K], indicators: Sequence[Indicator]) -> dict[K, Fraction]:
    """Each area's exact share of the pot (steps 1 and 2 above); the shares add up to exactly 1."""
    if len(set(areas)) != len(areas):
        raise AllocationInputError("Each area can appear only once")
    if not indicators:
        raise AllocationInputError("Add at least one indicator")
    known = set(areas)
    weighted: list[tuple[Fraction, dict[K, Fraction], Fraction]] = []
    any_weight = False
    for position, indicator in enumerate(indicators, start=1):
        label = indicator.name or f"Indicator {position}"
        weight = _exact(indicator.weight, f"The weight of {label}")
        unknown = [a for a in indicator.values if a not in known]
        if unknown:
            raise AllocationInputError(
                f"{label} has a value for an area that is not being shared between: {unknown[0]}"
            )
        values = {a: _exact(indicator.values.get(a, 0), f"{label} for {a}") for a in areas}
        any_weight = any_weight or weight > 0
        total = sum(values.values(), Fraction(0))
        if weight > 0 and total > 0:
            weighted.append((weight, values, total))
    if not any_weight:
        raise AllocationInputError("At least one indicator must have a weight greater than 0")
    if not areas:
        return {}
    if not weighted:
        return {a: Fraction(1, len(areas)) for a in areas}
    total_weight = sum((w for w, _, _ in weighted), Fraction(0))
    return {
        a: sum((w * values[a] / total for w, values, total in weighted), Fraction(0)) / total_weight
        for a in areas
    }


def largest_remainder[K: Hashable](
    pot: int, shares: Mapping[K, Fraction], order: Sequence[K]
) -> dict[K, int]:
    """Whole pounds adding up to `pot` (step 4); shares must add up to 1."""
    quotas = {a: pot * shares[a] for a in order}
    result = {a: floor(q) for a, q in quotas.items()}
    left_over = pot - sum(result.values())
    position = {a: i for i, a in enumerate(order)}
    by_remainder = sorted(order, key=lambda a: (-(quotas[a] - result[a]), position[a]))
    for area in by_remainder[:left_over]:
        result[area] += 1
    return result


def allocate[K: Hashable](pot: Decimal, areas: Sequence[K], indicators: Sequence[Indicator]) -> dict[K, int]:
    """Share `pot` (whole pounds) between `areas` by weighted need; see the module docstring for the method."""
    whole_pot = _check_pot(pot)
    shares = combined_shares(areas, indicators)
    if not areas:
        if whole_pot:
            raise AllocationInputError("There are no areas to share the pot between")
        return {}
    return largest_remainder(whole_pot, shares, list(areas))
