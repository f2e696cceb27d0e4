import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.templatetags.govuk import govuk_datetime, pounds

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "when, printed",
    [
        (datetime.datetime(2026, 12, 13, 17, 30, tzinfo=LONDON), "13 December 2026 at 5:30pm"),
        (datetime.datetime(2026, 12, 13, 9, 0, tzinfo=LONDON), "13 December 2026 at 9am"),
        (datetime.datetime(2026, 12, 13, 12, 0, tzinfo=LONDON), "13 December 2026 at midday"),
        (datetime.datetime(2026, 12, 14, 0, 0, tzinfo=LONDON), "14 December 2026 at midnight"),
        # Stored in UTC, shown in London time: 23:30 UTC in July is 00:30 BST the next day.
        (datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC), "2 July 2026 at 12:30am"),
    ],
)
def test_dates_and_times_read_the_way_gov_uk_writes_them(when, printed):
    assert govuk_datetime(when) == printed


def test_money_in_templates_uses_the_same_format_as_exports():
    assert pounds(Decimal("1234.5")) == "£1,234.50"
    assert pounds(None) == ""
