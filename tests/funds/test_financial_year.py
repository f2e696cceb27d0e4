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


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "24-25", "2024", " 2024 / 25 "])
def test_every_printed_style_reads_back_to_the_same_year(text):
    assert FinancialYear.start_year_from_label(text) == 2024


@pytest.mark.parametrize("text", ["2024/26", "next year", "", "2024/2025x"])
def test_a_label_that_is_not_a_financial_year_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="2024/25"):
        FinancialYear.start_year_from_label(text)


def test_a_date_belongs_to_the_year_that_started_on_the_previous_first_of_april():
    assert FinancialYear.containing(datetime.date(2025, 3, 31)) == 2024
    assert FinancialYear.containing(datetime.date(2025, 4, 1)) == 2025
