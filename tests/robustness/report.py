"""The harness's totals at the end of the run: "robustness harness: 6,123 requests, 0 server errors".

Each test records its counts as user properties; they travel with the test's report from an xdist worker to the
controller, where these hooks add them up. Registered from tests/conftest.py (`pytest_plugins`), because under
xdist the controller never loads this package's conftest.
"""

TOTALS = {"requests": 0, "server_errors": 0, "findings": 0}


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for name, value in report.user_properties:
        key = name.removeprefix("robustness_")
        if key in TOTALS and name.startswith("robustness_"):
            TOTALS[key] += value


def pytest_terminal_summary(terminalreporter):
    if TOTALS["requests"]:
        terminalreporter.write_sep("-", "robustness harness")
        terminalreporter.write_line(
            f"robustness harness: {TOTALS['requests']:,} requests, {TOTALS['server_errors']:,} server errors, "
            f"{TOTALS['findings']:,} findings (tests/robustness)"
        )
