import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from exports.models import ExportJob
from providers import services
from providers.models import MonitoringReturn
from tests.providers.conftest import complete_figures, fill_and_send, make_side
from tests.providers.factories import ServiceFactory


def submitted(side, reviewer=None, new_victims=45, **figures):
    fill_and_send(side, {**complete_figures(new_victims), **figures})
    services.sign_off_and_submit(return_id=side.ret.pk, by=side.signatory)
    if reviewer:
        services.accept(return_id=side.ret.pk, by=reviewer)
    return side


@pytest.mark.parametrize("providers", [3, 30])
def test_the_dashboard_runs_the_same_few_queries_for_3_or_30_returns(
    client, reviewer, period, providers, django_assert_max_num_queries
):
    for n in range(providers):
        make_side(f"Org {n}", period)
    client.force_login(reviewer)
    # 11, plus the office named in the page header and the count of claims to check
    with django_assert_max_num_queries(13):
        response = client.get(reverse("providers:staff_dashboard"))
    assert response.content.decode().count('href="/staff/commissioning/returns/') == providers


def test_the_dashboard_counts_returns_by_period_and_filters_by_provider(client, reviewer, side_a, side_b):
    submitted(side_a, reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("providers:staff_dashboard")).content.decode()
    # Q1 2024/25: 2 returns, 1 not in (and overdue), 1 late (submitted today), 0 waiting, 1 accepted.
    cells = page.split("Q1 2024/25</th>", 1)[1].split("</tr>", 1)[0]
    assert [c.split(">")[-1] for c in cells.split("</td>")[:-1]] == ["2", "1", "1", "1", "0", "1"]
    filtered = client.get(
        reverse("providers:staff_dashboard"), {"provider": side_b.provider.pk}
    ).content.decode()
    assert side_b.service.name in filtered and side_a.service.name not in filtered


def test_the_chart_has_a_title_a_description_and_the_same_figures_in_a_table(
    client, reviewer, side_a, side_b
):
    submitted(side_a, new_victims=45)
    submitted(side_b, new_victims=30)
    measure = side_a.ret.period.template.measures.get(code="new_victims")
    client.force_login(reviewer)
    page = client.get(reverse("providers:staff_measure_chart", args=[measure.pk])).content.decode()
    assert (
        '<svg class="app-chart" role="img" aria-labelledby="chart-title" aria-describedby="chart-desc"'
        in page
    )
    assert '<title id="chart-title">New victims supported by period</title>' in page
    assert "Q1 2024/25: 75." in page  # in the description a screen reader reads
    assert '<th scope="row" class="govuk-table__header">Q1 2024/25</th>' in page
    assert 'govuk-table__cell--numeric">75</td>' in page
    assert "style=" not in page and "<script>" not in page


def test_the_export_has_one_row_per_service_and_one_column_per_measure(
    client, reviewer, side_a, side_b, django_capture_on_commit_callbacks
):
    submitted(side_a, new_victims=45, m_notes="=SUM(A1:A2)")
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("providers:staff_export") + f"?year={side_a.ret.period.year_id}", {"period": "Q1 2024/25"}
        )
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk]) and job.status == "ready"
    sheet = load_workbook(io.BytesIO(job.file.read()))["Victims services"]
    rows = list(sheet.values)
    measures = list(side_a.ret.period.template.measures.order_by("order").values_list("label", flat=True))
    assert rows[0] == ("Provider", "Service", "Status", "Late", "Submitted", *measures)
    # After the services, a blank row, the combined figures and how each was worked out (tests/providers/test_measure_kinds.py)
    by_service = {row[1]: row for row in rows[1:-3]}
    assert set(by_service) == {side_a.service.name, side_b.service.name}
    a = by_service[side_a.service.name]
    assert a[2] == "Submitted" and a[3] == "Late" and a[5] == 45 and a[-1] == "=SUM(A1:A2)"
    assert by_service[side_b.service.name][2] == MonitoringReturn.Status.NOT_STARTED.label


def test_the_returns_list_pages_through_every_return_once_in_order_in_the_same_queries(
    client, reviewer, period, django_assert_num_queries
):
    # 130 returns of one provider for one period: two pages, ordered by the service's name.
    side = make_side("Same Provider", period)
    for n in range(129):
        service = ServiceFactory(provider=side.provider, name=f"Service {n:03d}", template=period.template)
        MonitoringReturn.objects.create(service=service, period=period)
    client.force_login(reviewer)
    url = reverse("providers:staff_dashboard")
    client.get(url)  # warm the per-process caches, as a running server has them
    seen, reads = [], []
    for number in (1, 2):
        # The session, the person, the year, the filter's periods, the count, the summary, the export's periods, the
        # office, the providers and streams to filter by, the page's returns, the charts' measures, the provider, and
        # the claims to check.
        with django_assert_num_queries(14), CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"provider": side.provider.pk, "page": number})
        seen += [ret.pk for ret in response.context["page"]]
        reads += [q["sql"] for q in queries.captured_queries if 'providers_service"."name' in q["sql"]]
    assert seen == list(MonitoringReturn.objects.order_by("service__name").values_list("pk", flat=True))
    # Each page found on the ids alone, the second from the end rather than by skipping the first 100.
    assert all('IN (SELECT "U0"."id"' in sql for sql in reads) and not any(
        "OFFSET 100" in sql for sql in reads
    )
    assert (
        f"?provider={side.provider.pk}&amp;page=2"
        in client.get(url, {"provider": side.provider.pk}).content.decode()
    )
