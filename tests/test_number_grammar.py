"""One grammar for numbers people type (core.numbers), read the same way by money, monitoring returns and needs
assessments, each with its own message naming what the figure is for."""

import re
from decimal import Decimal

import pytest
from django import forms

from core.money import AMOUNT_HINT, AmountError, parse_pounds
from core.numbers import NumberError, parse_number
from needs.forms import FigureField
from providers.models import Measure
from providers.validation import FigureError, read_measure

HOURS = Measure(code="hours", label="Hours of support", kind=Measure.Kind.NUMBER)
REFERRALS = FigureField(what="Coventry's MARAC referrals", example="1,250 or 1250.5")

NOT_NUMBERS = [
    "74, 626",
    "1,00",
    "1,23,4",
    "1 000",
    "1e4",
    "NaN",
    "Infinity",
    "12.",
    ".5",
    "\u0664\u0665",
    "\uff11\uff12",
]
NUMBERS = [("1,234", Decimal("1234")), ("1234.5", Decimal("1234.5")), ("12,345,678", Decimal("12345678"))]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_the_grammar_refuses_what_is_not_plainly_a_number(raw):
    with pytest.raises(NumberError) as refused:
        parse_number(raw, places=2, maximum=Decimal(10**9))
    assert refused.value.kind == "format"


@pytest.mark.parametrize("raw", NOT_NUMBERS)
def test_money_returns_and_needs_refuse_the_same_text_each_in_its_own_words(raw):
    with pytest.raises(AmountError, match=re.escape(AMOUNT_HINT)):
        parse_pounds(raw)
    with pytest.raises(
        FigureError, match=r"Enter a number of 0 or more for Hours of support, like 12 or 12\.5"
    ):
        read_measure(raw, HOURS)
    with pytest.raises(
        forms.ValidationError, match="Enter Coventry's MARAC referrals as a number, like 1,250"
    ):
        REFERRALS.to_python(raw)


@pytest.mark.parametrize("raw, value", NUMBERS)
def test_money_returns_and_needs_read_the_same_text_as_the_same_number(raw, value):
    assert parse_number(raw, places=2, maximum=None) == value
    assert parse_pounds(raw) == value
    assert read_measure(raw, HOURS) == value
    assert REFERRALS.to_python(raw) == value


def test_each_caller_keeps_its_own_limits_on_places_and_size():
    assert parse_pounds("1.500") == Decimal("1.50")  # pence are counted in the amount, not the digits typed
    with pytest.raises(NumberError) as refused:
        parse_number("1.500", places=2, maximum=None)
    assert refused.value.kind == "places"
    with pytest.raises(NumberError) as refused:
        parse_number("1,000,001", places=0, maximum=1_000_000)
    assert refused.value.kind == "too_big"
    assert parse_number("99999999999999", places=None, maximum=None) == Decimal("99999999999999")


@pytest.mark.parametrize("raw", ["-5", "(5)", "\u22125"])
def test_a_minus_sign_is_named_as_such(raw):
    with pytest.raises(NumberError) as refused:
        parse_number(raw, places=2, maximum=None)
    assert refused.value.kind == "negative"
