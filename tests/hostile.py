"""Hostile figures for the forms that take numbers: what people paste, what spreadsheets export, what crafted
requests send. One table, used by every app's hostile-input tests (tests/robustness has the whole-site table)."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HOSTILE_FIGURES = [
    "", " ", "\x00", "1\x00", "12\x00 ", "1e400", "1E5", "NaN", "nan", "Infinity", "-Infinity", "inf", "-1", "-0",
    "74, 626", "74,626", "1,00", "1" * 20, "9" * 400, "99999999999999.99", "9999999999.99", "10000000000", "1000001",
    "1000000001", "100.01", "1000.0001", "0x10", "\uff11\uff12", "\u0664\u0665", "12k", "\u00a31.2m", "1 000", "(5)",
    "\u00a3-5", "12.345", "4.5", "0.00001", "<script>alert(1)</script>", '=HYPERLINK("http://x")', "\u202e12",
    "\u202eMARAC", "x" * 10_000, "x" * 121, "\u0000" * 50, "\r\n", "null", "None", "[]", "{}", "%", "45%",
]
FIGURES = st.one_of(
    st.sampled_from(HOSTILE_FIGURES),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
# Derandomised, so CI sends the same examples every run and a failure found once is found again.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
