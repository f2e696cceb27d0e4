import datetime

import pytest

from funds.models import FinancialYear


def test_a_year_prints_in_each_style_the_report_uses():
    year = FinancialYear(start_year=2024)
    assert year.label() == "2024/25"
    assert year.label("short") == "24-25"
    assert year.label("long") == "2024-25"
    assert (year.starts_on, year.ends_on) == (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))


def test_the_turn_of_the_century_year_prints_with_a_leading_zero():
    assert FinancialYear(start_year=2099).label("short") == "99-00"


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "24-25", " 2024/25 "])
def test_every_printed_style_reads_back_to_the_same_year(text):
    assert FinancialYear.start_year_from_label(text) == 2024


@pytest.mark.parametrize(
    "text", ["2024/26", "next year", "", "2024/2025x", "2024", "24/25", "2024 / 25", "２０２４/２５"]
)
def test_a_label_that_is_not_a_financial_year_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="2024/25"):
        FinancialYear.start_year_from_label(text)


def test_a_date_belongs_to_the_year_that_started_on_the_previous_first_of_april():
    assert FinancialYear.containing(datetime.date(2025, 3, 31)) == 2024
    assert FinancialYear.containing(datetime.date(2025, 4, 1)) == 2025


@pytest.mark.parametrize("text", ["9999-00", "9999/00", "0000-01", "1999/00", "2100/01", "0999-00"])
def test_a_year_outside_2000_to_2099_is_refused_not_read_as_another_year(text):
    with pytest.raises(ValueError, match="Enter a year from 2000/01 to 2099/00"):
        FinancialYear.start_year_from_label(text)


def test_the_first_and_last_years_covered_are_read():
    assert FinancialYear.start_year_from_label("2000/01") == 2000
    assert FinancialYear.start_year_from_label("99-00") == 2099
