"""Amounts in £000's or £m rounded so the rows add up to the printed total (reports.rounding), for any amounts."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.rounding import rounded_to_unit

amounts = st.lists(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
    max_size=12,
)
with_negatives = st.lists(
    st.decimals(min_value=-10_000_000, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
    max_size=12,
)
# Derandomised, so every run tries the same amounts and a failure found once is found again.
SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
UNITS = st.sampled_from([(Decimal(1000), Decimal(1)), (Decimal(1_000_000), Decimal("0.01"))])


@SETTINGS
@given(amounts=amounts, unit=UNITS)
def test_rows_of_amounts_never_below_zero_always_add_up_to_the_rounded_total(amounts, unit):
    per_unit, places = unit
    rounded = rounded_to_unit(amounts, per_unit=per_unit, places=places)
    assert rounded.adds_up
    assert sum(rounded.rows, Decimal(0)) == rounded.total
    assert rounded.total == (sum(amounts, Decimal(0)) / per_unit).quantize(places)
    # No row moves by a whole unit or more from its own amount.
    for amount, row in zip(amounts, rounded.rows, strict=True):
        assert abs(amount / per_unit - row) < places


@SETTINGS
@given(amounts=with_negatives, unit=UNITS)
def test_rows_add_up_to_the_total_or_the_table_says_they_may_not(amounts, unit):
    per_unit, places = unit
    rounded = rounded_to_unit(amounts, per_unit=per_unit, places=places)
    assert rounded.adds_up == (sum(rounded.rows, Decimal(0)) == rounded.total)


def test_equal_remainders_go_to_the_row_printed_first():
    rounded = rounded_to_unit([Decimal(1400)] * 3, per_unit=Decimal(1000), places=Decimal(1))
    assert rounded.rows == [2, 1, 1] and rounded.total == 4 and rounded.adds_up


def test_a_negative_row_is_rounded_on_its_own_and_said_not_to_add_up():
    rounded = rounded_to_unit(
        [Decimal(1400), Decimal(1400), Decimal(-600)], per_unit=Decimal(1000), places=Decimal(1)
    )
    assert rounded.rows == [1, 1, -1] and rounded.total == 2 and not rounded.adds_up
