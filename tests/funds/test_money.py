from decimal import Decimal

import pytest

from core.money import AMOUNT_HINT, MAX_POUNDS, PENNY, AmountError, format_pounds, parse_pounds


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("£1,234", Decimal("1234.00")),
        ("1234", Decimal("1234.00")),
        ("1,234.50", Decimal("1234.50")),
        (" £74,626 ", Decimal("74626.00")),
        ("0", Decimal("0.00")),
        ("0.1", Decimal("0.10")),
        (1234, Decimal("1234.00")),
        (1234.5, Decimal("1234.50")),
        (Decimal("99.99"), Decimal("99.99")),
    ],
)
def test_amounts_people_write_are_read_as_exact_pounds_and_pence(raw, expected):
    assert parse_pounds(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("74, 626", "Enter an amount in pounds, like 1,250 or 1250.50"),
        ("12k", "not abbreviated"),
        ("£1.2k", "not abbreviated"),
        ("-500", "without a minus sign"),
        ("£-500", "without a minus sign"),
        ("", "Enter an amount"),
        (None, "Enter an amount"),
        ("1,23,4", "Enter an amount in pounds"),
        ("12.345", "no more than 2 decimal places"),
        ("twelve", "Enter an amount in pounds"),
        (True, "Enter an amount in pounds"),
    ],
)
def test_malformed_amounts_are_refused_with_a_message_that_says_what_to_fix(raw, message):
    with pytest.raises(AmountError) as error:
        parse_pounds(raw)
    assert message in str(error.value)


def test_zero_can_be_refused_where_a_rule_needs_a_positive_amount():
    with pytest.raises(AmountError, match="greater than 0"):
        parse_pounds("0", allow_zero=False)


@pytest.mark.parametrize(
    "value, printed",
    [
        (Decimal("415418"), "£415,418"),
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("-15418"), "-£15,418"),
        (None, ""),
    ],
)
def test_amounts_print_with_a_pound_sign_and_pence_only_when_there_are_any(value, printed):
    assert format_pounds(value) == printed


TOO_LARGE = "Enter an amount of £9,999,999,999.99 or less"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("10000000000", TOO_LARGE),
        ("10,000,000,000.00", TOO_LARGE),
        pytest.param("9" * 5000, TOO_LARGE, id="5000-nines"),
        (10**400, TOO_LARGE),
        (1e20, TOO_LARGE),
        (Decimal("1E+400"), TOO_LARGE),
        ("1e400", AMOUNT_HINT),
        ("NaN", AMOUNT_HINT),
        ("Infinity", AMOUNT_HINT),
        (float("nan"), AMOUNT_HINT),
        (float("inf"), AMOUNT_HINT),
        (Decimal("NaN"), AMOUNT_HINT),
        ("12\x00", AMOUNT_HINT),
        ("1\x002", AMOUNT_HINT),
        ("74, 626", AMOUNT_HINT),
        ("١٢٣", AMOUNT_HINT),  # Arabic-Indic digits: Decimal() would read them, a person would not see 123
        ("1,234.567", "no more than 2 decimal places"),
        (Decimal("12.345"), "no more than 2 decimal places"),
        (0.001, "no more than 2 decimal places"),
    ],
)
def test_amounts_a_money_column_cannot_hold_are_refused_where_they_are_entered(raw, message):
    with pytest.raises(AmountError) as error:
        parse_pounds(raw)
    assert message in str(error.value)


def test_the_largest_amount_a_money_column_holds_is_accepted_and_is_what_the_column_holds():
    from funds.models import MONEY

    assert Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) - PENNY == MAX_POUNDS
    assert parse_pounds("£9,999,999,999.99") == MAX_POUNDS


def test_a_rule_can_lower_the_ceiling():
    with pytest.raises(AmountError, match="Enter an amount of £500 or less"):
        parse_pounds("500.01", maximum=Decimal("500"))


NO_MINUS = "Enter an amount of 0 or more, without a minus sign"
SHORTHAND = f"{AMOUNT_HINT}, in full, not abbreviated like 12k"


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "Enter an amount"),
        (None, "Enter an amount"),
        ("   ", "Enter an amount"),
        ("-500", NO_MINUS),
        ("£-500", NO_MINUS),
        ("(500)", NO_MINUS),  # an accountant's negative
        ("(500", AMOUNT_HINT),  # half a bracket is not a negative, just not an amount
        ("500)", AMOUNT_HINT),
        ("12K", SHORTHAND),
        ("1.5M", SHORTHAND),
        ("£2b", SHORTHAND),
        (-5, NO_MINUS),  # a spreadsheet cell: a number, never text
        (Decimal("-0.01"), NO_MINUS),
        ("12.345", "Enter an amount with no more than 2 decimal places (pence)"),
    ],
)
def test_each_refusal_says_exactly_what_to_fix(raw, message):
    with pytest.raises(AmountError) as error:
        parse_pounds(raw)
    assert str(error.value) == message


def test_zero_where_a_rule_needs_a_positive_amount_says_exactly_that():
    with pytest.raises(AmountError) as error:
        parse_pounds("0", allow_zero=False)
    assert str(error.value) == "Enter an amount greater than 0"


@pytest.mark.parametrize(
    "value, pence, printed",
    [
        (Decimal("0"), None, "£0"),
        (Decimal("0.50"), None, "£0.50"),
        (Decimal("-0.50"), None, "-£0.50"),
        (Decimal("1234"), True, "£1,234.00"),
        (Decimal("1234.40"), False, "£1,234"),
    ],
)
def test_zero_and_pence_print_without_a_minus_sign_unless_negative(value, pence, printed):
    assert format_pounds(value, pence=pence) == printed


def test_figures_in_thousands_or_millions_are_read_and_checked_as_pounds():
    assert parse_pounds("1.2345", unit=Decimal(1000)) == Decimal("1234.50")
    assert parse_pounds("415", unit=Decimal(1000)) == Decimal("415000.00")
    assert parse_pounds(2.5, unit=Decimal(1_000_000)) == Decimal("2500000.00")
    with pytest.raises(AmountError, match="no more than 2 decimal places"):
        parse_pounds("1.234567", unit=Decimal(1000))
    with pytest.raises(AmountError, match="or less"):
        parse_pounds("10000000", unit=Decimal(1000))


@pytest.mark.parametrize("unit", [Decimal("0.1"), Decimal(30), Decimal(1500)])
def test_a_unit_that_is_not_a_power_of_ten_of_at_least_one_is_refused(unit):
    with pytest.raises(ValueError, match="unit must be a power of ten"):
        parse_pounds("1", unit=unit)
