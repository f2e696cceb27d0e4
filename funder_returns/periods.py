"""A funder's periods within a financial year, from the template's frequency: Q1–Q4, H1–H2 or the whole year.

H1 is 1 April to 30 September and H2 1 October to 31 March; quarters likewise from April.
"""

import datetime
from dataclasses import dataclass

from .models import Frequency

# frequency -> (months in a period, the code before its number; the whole year has none)
SHAPES = {Frequency.QUARTERLY: (3, "Q"), Frequency.SIX_MONTHLY: (6, "H"), Frequency.ANNUAL: (12, "")}
WHOLE_YEAR = "Year"


@dataclass(frozen=True)
class Period:
    code: str  # "H1", "Q3" or "Year"
    label: str  # "H1 2024/25"; the whole year is just "2024/25"
    starts_on: datetime.date
    ends_on: datetime.date


class UnknownPeriod(ValueError):
    """A period the template does not have. The message says which ones it does."""


def periods_of(frequency: str, year) -> list[Period]:
    """Every period of a financial year at this frequency, first to last."""
    months, prefix = SHAPES[Frequency(frequency)]
    periods = []
    for number, first_month in enumerate(range(0, 12, months), start=1):
        start = _add_months(year.starts_on, first_month)
        end = _add_months(start, months) - datetime.timedelta(days=1)
        code = f"{prefix}{number}" if prefix else WHOLE_YEAR
        periods.append(Period(code, f"{code} {year.label()}" if prefix else year.label(), start, end))
    return periods


def find_period(frequency: str, year, code: str) -> Period:
    """The period named by its code ("H1") or its whole label ("H1 2024/25"), or UnknownPeriod saying what there is."""
    wanted = (code or "").strip().casefold()
    periods = periods_of(frequency, year)
    for period in periods:
        if wanted in (period.code.casefold(), period.label.casefold()):
            return period
    names = " or ".join(p.code for p in periods)
    shown = Frequency(frequency).label.lower()
    if not wanted:
        raise UnknownPeriod(f"Choose the period of the return: {names}")
    raise UnknownPeriod(f"The return is {shown}, so its periods are {names}. Choose one of those")


def all_codes() -> list[str]:
    """Every period code any frequency has, for a form that offers them all before the template is known."""
    codes = [f"Q{n}" for n in range(1, 5)] + ["H1", "H2", WHOLE_YEAR]
    return codes


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)
