"""The benchmark runs end to end on a tiny database and reports every measurement in the shape the docs print.

No timing is asserted (a test machine's speed says nothing); the query-count target is, since it holds at any size.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from applications.models import Application
from benchmarks import pages as registry
from benchmarks import run
from benchmarks.scale_data import generate
from providers.models import MonitoringReturn, Reminder


def _test_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pcc_grants")
    return urlunsplit(urlsplit(base)._replace(path=f"/{connection.settings_dict['NAME']}"))


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_measures_pages_exports_and_reminders_and_reports_them(full_demo, tmp_path, settings):
    # full_demo: a copy of the session's demo, which generate() would otherwise load first (a minute of the run).
    generate(applications=80, organisations=8, returns=40, seed=2, out=lambda text: None)
    url = _test_database_url()
    returns_before = MonitoringReturn.objects.count()

    # The demo's files (a service's specification, which a page downloads) were copied for this test into its own
    # storage, not the project's var/private: the measuring process is told where they are.
    demo_files = {"PRIVATE_STORAGE_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"])}
    pages = run.child("pages", url, "1", env=demo_files)
    # Every entry of the registry, each once, answered as expected by the person it names (the child fails if not).
    names = [p["name"] for p in pages["pages"]]
    assert len(names) == len(set(names))
    assert {p["url_name"] for p in pages["pages"]} == {p.url_name for p in registry.pages()}
    measured = [p for p in pages["pages"] if "p50" in p]
    assert len(measured) > 200
    for page in measured:
        assert 0 < page["p50"] <= page["p95"]
        assert page["queries"] == len(page["sql"])
    by_name = {p["name"]: p for p in measured}
    assert by_name["Staff applications list"]["who"] == registry.GRANTS
    assert by_name["Grants awarded"]["who"] == registry.PUBLIC
    # Budgets, lines, the year's grants per line (reports.report_figures.projects_by_line) and the table settings;
    # then Table 3: the two years' precepts, their typed-in bands and the office (whose council tax bands apply).
    assert pages["budget_tables"]["queries"] == 7
    assert pages["budget_tables"]["commitments"] > 0

    storage = {"PRIVATE_STORAGE_ROOT": str(tmp_path)}
    real, bare = run.child("export-real", url, env=storage), run.child("export-bare", url, env=storage)
    listed = Application.objects.exclude(status="draft").count()
    assert real["rows"] == bare["rows"] == listed
    assert real["bytes"] > 0 and bare["bytes"] > 0
    assert real["peak_mib"] >= 0 and bare["peak_mib"] >= 0

    # In-process and through a real prefork worker on Redis, as the benchmark runs them.
    reminders = run.child("reminders", url, "25", "sequential,worker-2")
    assert reminders["open_in_play"] >= 25
    assert set(reminders["runs"]) == {"sequential", "worker-2"}
    for mode, outcome in reminders["runs"].items():
        assert outcome["emails"] == outcome["sent"] == outcome["claimed"] > 0, mode
    # The run cleans up after itself, so the next one has the same work to do.
    assert Reminder.objects.count() == 0
    assert MonitoringReturn.objects.count() == returns_before

    results = {
        "machine": {**run.machine(), "load_after": os.getloadavg(), **run.child("versions", url)},
        "started": "now",
        "sizes": {
            80: {
                "data": {"generated": False, **run.child("state", url)},
                "pages": pages,
                "export": {"real": real, "bare": bare},
                "reminders": reminders,
            }
        },
    }
    markdown = run.report(results, 2)
    assert "#### 80 applications" in markdown
    assert "| Staff applications list | grants | " in markdown
    assert f"| {Application.objects.count():,} | " in markdown  # the data table
    assert f"| 80 | {listed:,} | " in markdown  # the export table: size, then rows
    assert (
        f"| 80 | {reminders['open_in_play']:,} ({reminders['topped_up']:,}) | " in markdown
    )  # the reminders table
    assert "PostgreSQL" in markdown


@pytest.mark.django_db
def test_scale_data_loads_the_demo_first_on_an_empty_database(monkeypatch):
    """The tests that generate scale data start from the session's demo; this keeps the empty-database case covered."""
    loaded = []

    class Loaded(Exception):
        pass

    def load(name, **options):
        loaded.append(name)
        raise Loaded  # the demo load itself is tested in tests/funds/test_demo_data.py

    monkeypatch.setattr("benchmarks.scale_data.call_command", load)
    with pytest.raises(Loaded):
        generate(applications=1, organisations=1, returns=0, out=lambda text: None)
    assert loaded == ["load_demo_data"]
