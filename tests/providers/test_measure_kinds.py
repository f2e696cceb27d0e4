"""Measures combine by their kind: a percentage is never summed, anywhere figures are combined across returns."""

import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from exports.models import ExportJob
from providers import aggregation, ready_templates, selectors, services
from providers.forms import ReturnForm
from providers.models import Measure, MonitoringReturn, MonitoringTemplate, ReturnValue
from tests.factories import FinancialYearFactory, UserFactory
from tests.providers.conftest import complete_figures, fill_and_send
from tests.providers.factories import PeriodFactory, ServiceFactory

K = Measure.Kind
IN = MonitoringReturn.Status.SUBMITTED

# Two returns give each kind these figures; this is what they combine to. A kind added to Measure.Kind without a line
# here fails every test below that runs over the kinds, so a new kind cannot arrive without its rule.
TWO_RETURNS = {
    K.COUNT: ((50, 60), Decimal(110), "Sum of 2 returns"),
    K.NUMBER: ((50, 60), Decimal(110), "Sum of 2 returns"),
    K.MONEY: ((50, 60), Decimal(110), "Sum of 2 returns"),
    K.PERCENTAGE: (
        (50, 60),
        Decimal("55.0"),
        "Plain average of 2 returns, not weighted by how many cases each return covers",
    ),
    K.YES_NO: ((1, 0), Decimal(1), "1 of 2 returns said yes"),
    K.TEXT: None,  # answers in words are never combined
}


@pytest.fixture
def victims(db):
    return ready_templates.install()[ready_templates.VICTIMS_SERVICES]


@pytest.fixture
def year(db):
    return FinancialYearFactory(start_year=2024)


def _returns(template, n, *, year=None, status=IN):
    period = PeriodFactory(template=template, **({"year": year} if year else {}))
    return [
        MonitoringReturn.objects.create(
            service=ServiceFactory(template=template), period=period, status=status
        )
        for _ in range(n)
    ]


def _give(ret, measure, number):
    ReturnValue.objects.create(monitoring_return=ret, measure=measure, number=Decimal(number))


def _measure(template, kind, code="figure", **parts):
    return Measure.objects.create(
        template=template, code=code, label=f"The {kind} figure", kind=kind, **parts
    )


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@opcc.example", is_staff=True, is_superuser=True)


def test_every_kind_has_a_rule_for_combining():
    assert set(TWO_RETURNS) == set(Measure.Kind.values)
    assert set(aggregation.RULES) == set(Measure.Kind.values)


@pytest.mark.parametrize("kind", Measure.Kind.values)
def test_each_kind_combines_by_its_rule_and_a_percentage_is_never_summed(victims, kind):
    measure = _measure(victims, kind)
    a, b = _returns(victims, 2)
    if TWO_RETURNS[kind] is None:
        with pytest.raises(ValueError, match="text measure"):
            aggregation.combine(measure, [a.pk, b.pk])
        return
    (first, second), expected, how = TWO_RETURNS[kind]
    _give(a, measure, first)
    _give(b, measure, second)
    combined = aggregation.combine(measure, [a.pk, b.pk])
    assert (combined.value, combined.how, combined.kind) == (expected, how, kind)
    assert combined.return_ids == (a.pk, b.pk)
    if kind == K.PERCENTAGE:
        assert combined.value != 110


@pytest.mark.parametrize("kind", Measure.Kind.values)
def test_the_chart_and_its_table_combine_each_kind_by_its_rule(client, reviewer, victims, kind):
    measure = _measure(victims, kind)
    a, b = _returns(victims, 2)
    if TWO_RETURNS[kind] is None:
        with pytest.raises(ValueError):
            selectors.measure_series(measure)
        # and the chart page is not offered for text: no figures to draw
        client.force_login(reviewer)
        assert client.get(reverse("providers:staff_measure_chart", args=[measure.pk])).status_code == 404
        return
    (first, second), expected, how = TWO_RETURNS[kind]
    _give(a, measure, first)
    _give(b, measure, second)
    [row] = selectors.measure_series(measure)
    assert (row["value"], row["how"], row["returns"]) == (expected, how, 2)
    client.force_login(reviewer)
    page = client.get(reverse("providers:staff_measure_chart", args=[measure.pk])).content.decode()
    assert f'<td class="govuk-table__cell">{how}</td>' in page
    if kind == K.PERCENTAGE:
        assert "55%" in page and "110" not in page
        # the axis of a percentage tops at 100%
        assert ">100%</text>" in page


def test_a_percentage_axis_tops_at_100_unless_a_figure_is_above_it():
    from providers.chart import bar_chart

    def top(points, **kwargs):
        chart = bar_chart([(f"Q{n}", Decimal(v)) for n, v in enumerate(points, 1)], **kwargs)
        return chart["ticks"][-1].value

    assert top([30, 35], percentage=True) == 100
    assert top([30, 35]) == 50  # a count's axis fits its figures
    assert top([30, 120], percentage=True) == 200


@pytest.mark.parametrize("kind", Measure.Kind.values)
def test_the_exports_combined_row_combines_each_kind_by_its_rule(
    client, reviewer, victims, kind, django_capture_on_commit_callbacks
):
    measure = _measure(victims, kind)
    a, b = _returns(victims, 2)
    if TWO_RETURNS[kind] is not None:
        (first, second), expected, how = TWO_RETURNS[kind]
        _give(a, measure, first)
        _give(b, measure, second)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("providers:staff_export") + f"?year={a.period.year_id}", {"period": a.period.label}
        )
    sheet = load_workbook(io.BytesIO(ExportJob.objects.get().file.read()))["Victims services"]
    rows = list(sheet.values)
    column = rows[0].index(measure.label)
    combined, how_row = rows[-2], rows[-1]
    assert combined[0] == "All services combined" and how_row[0] == "How it was worked out"
    if TWO_RETURNS[kind] is None:
        assert combined[column] is None and how_row[column] is None
        return
    shown = {K.YES_NO: "1 of 2 said yes"}.get(kind, expected)
    assert (combined[column], how_row[column]) == (shown, how)


def test_a_recomputed_percentage_is_worked_out_from_its_parts_not_from_what_was_typed(victims):
    pct = victims.measures.get(code="cope_and_recover_pct")
    top, bottom = victims.measures.get(code="cope_and_recover"), victims.measures.get(code="cases_closed")
    a, b, c = _returns(victims, 3)
    for ret, t, bo, typed in [(a, 300, 400, 75), (b, 40, 100, 40)]:
        _give(ret, top, t)
        _give(ret, bottom, bo)
        _give(ret, pct, typed)
    _give(c, bottom, 50)  # only one part: left out, or it would pull the figure down
    combined = aggregation.combine(pct, [a.pk, b.pk, c.pk])
    assert combined.value == Decimal("68.0")  # 340 of 500, not (75 + 40) / 2 = 57.5 and never 115
    assert combined.how == "Recomputed from its parts: 340 of 500"
    assert combined.return_ids == (a.pk, b.pk)


def test_a_recomputed_percentage_of_nothing_is_no_figure(victims):
    pct = victims.measures.get(code="cope_and_recover_pct")
    [a] = _returns(victims, 1)
    _give(a, victims.measures.get(code="cope_and_recover"), 0)
    _give(a, victims.measures.get(code="cases_closed"), 0)
    combined = aggregation.combine(pct, [a.pk])
    assert combined.value is None and "0 of 0" in combined.how


def test_a_weighted_percentage_is_averaged_by_its_weights(victims):
    weight = victims.measures.get(code="cases_closed")
    pct = _measure(victims, K.PERCENTAGE, weighted_by=weight)
    a, b = _returns(victims, 2)
    _give(a, pct, 50)
    _give(a, weight, 100)
    _give(b, pct, 60)
    _give(b, weight, 300)
    combined = aggregation.combine(pct, [a.pk, b.pk])
    assert combined.value == Decimal("57.5")  # (50 x 100 + 60 x 300) / 400
    assert combined.how == "Average of 2 returns weighted by cases closed"


def test_combining_reads_the_same_few_queries_for_2_or_20_returns(victims, django_assert_num_queries):
    weight = victims.measures.get(code="cases_closed")
    pct = _measure(victims, K.PERCENTAGE, weighted_by=weight)
    rets = _returns(victims, 20)
    for ret in rets:
        _give(ret, pct, 50)
        _give(ret, weight, 10)
    for returns in (rets[:2], rets):
        pct = Measure.objects.get(pk=pct.pk)
        with django_assert_num_queries(2):  # the figures, and the weight's label
            aggregation.combine(pct, [r.pk for r in returns])
        pct = Measure.objects.get(pk=pct.pk)
        with django_assert_num_queries(2):
            aggregation.combine_by_period(
                pct, MonitoringReturn.objects.filter(pk__in=[r.pk for r in returns])
            )


def test_combine_by_period_keeps_periods_apart_oldest_first(victims, year):
    import datetime

    measure = victims.measures.get(code="new_victims")
    q1 = PeriodFactory(template=victims, year=year)
    q2 = PeriodFactory(
        template=victims,
        year=year,
        label="Q2 2024/25",
        starts_on=datetime.date(2024, 7, 1),
        ends_on=datetime.date(2024, 9, 30),
        window_opens_on=datetime.date(2024, 10, 1),
        due_on=datetime.date(2024, 10, 21),
    )
    service = ServiceFactory(template=victims)
    for period, n in ((q2, 7), (q1, 5)):
        _give(MonitoringReturn.objects.create(service=service, period=period, status=IN), measure, n)
    rows = aggregation.combine_by_period(measure, MonitoringReturn.objects.all())
    assert [(label, c.value) for label, _, c in rows] == [("Q1 2024/25", 5), ("Q2 2024/25", 7)]


# --- Yes/no on the provider's form ----------------------------------------------------------------------------------


@pytest.fixture
def yes_no(victims):
    return _measure(victims, K.YES_NO, code="safeguarding_concern")


def test_a_yes_no_measure_is_asked_as_radios_and_stored_as_1_or_0(victims, yes_no):
    measures = services.template_measures(victims.pk)
    form = ReturnForm(measures=measures)
    html = str(form[f"m_{yes_no.code}"])
    assert 'type="radio"' in html and 'value="yes"' in html and 'value="no"' in html
    form = ReturnForm({"m_safeguarding_concern": "yes"}, measures=measures)
    assert form.is_valid() and form.values["m_safeguarding_concern"] == 1
    form = ReturnForm({"m_safeguarding_concern": "no"}, measures=measures)
    assert form.is_valid() and form.values["m_safeguarding_concern"] == 0


def test_a_yes_no_answer_other_than_yes_or_no_is_refused_by_name(victims, yes_no):
    form = ReturnForm({"m_safeguarding_concern": "maybe"}, measures=services.template_measures(victims.pk))
    assert not form.is_valid()
    assert form.errors["m_safeguarding_concern"] == ["Select yes or no for The yes_no figure"]
    form = ReturnForm(
        {**complete_figures(), "m_safeguarding_concern": ""},
        measures=services.template_measures(victims.pk),
        complete=True,
    )
    assert form.errors["m_safeguarding_concern"] == ["Select yes or no for The yes_no figure"]


def test_a_saved_yes_comes_back_checked(side_a, yes_no):
    fill_and_send(side_a, {**complete_figures(), "m_safeguarding_concern": "yes"})
    assert ReturnValue.objects.get(monitoring_return=side_a.ret, measure=yes_no).number == 1
    measures = services.template_measures(side_a.ret.period.template_id)
    form = ReturnForm(measures=measures, stored=services.stored_figures(side_a.ret))
    assert form.initial["m_safeguarding_concern"] == "yes"


# --- A recomputed percentage is worked out for the provider ---------------------------------------------------------


def test_the_provider_is_not_asked_for_a_percentage_that_is_worked_out(side_a):
    measures = services.template_measures(side_a.ret.period.template_id)
    assert "m_cope_and_recover_pct" not in ReturnForm(measures=measures).fields
    fill_and_send(
        side_a, {**complete_figures(), "m_cope_and_recover_pct": "12"}
    )  # a crafted figure is ignored
    saved = ReturnValue.objects.get(monitoring_return=side_a.ret, measure__code="cope_and_recover_pct")
    assert saved.number == Decimal("77.50")  # 31 of 40
    form = ReturnForm(measures=measures, stored=services.stored_figures(side_a.ret))
    assert [(w["measure"].code, w["shown"]) for w in form.worked_out] == [("cope_and_recover_pct", "77.5%")]


def test_a_part_larger_than_its_whole_is_refused(victims):
    form = ReturnForm(
        {**complete_figures(), "m_cope_and_recover": "41"},
        measures=services.template_measures(victims.pk),
        complete=True,
    )
    assert not form.is_valid()
    assert form.errors["m_cope_and_recover"] == [
        "Closed cases where the victim was helped to cope and recover must be no more than cases closed (40), "
        "because they are part of it"
    ]


# --- Staff set how a percentage combines ----------------------------------------------------------------------------


@pytest.fixture
def idva(victims):
    return MonitoringTemplate.objects.get(slug=ready_templates.IDVA_ISVA)


def _errors(measure) -> dict:
    with pytest.raises(ValidationError) as caught:
        measure.full_clean()
    return caught.value.message_dict


def test_a_percentage_cannot_be_worked_out_from_another_templates_measure(victims, idva):
    pct = victims.measures.get(code="cope_and_recover_pct")
    pct.denominator = idva.measures.get(code="caseload")
    assert _errors(pct)["denominator"] == [
        "Choose a measure from this template: “Caseload at the end of the quarter” belongs to “IDVA and ISVA services”"
    ]


def test_a_percentage_is_worked_out_from_counts_only(victims):
    pct = victims.measures.get(code="cope_and_recover_pct")
    pct.denominator = victims.measures.get(code="spend")
    assert _errors(pct)["denominator"] == ["Choose a count measure: “Spend this quarter” is a money measure"]
    pct.denominator, pct.weighted_by = (
        victims.measures.get(code="cases_closed"),
        victims.measures.get(code="new_victims"),
    )
    assert "not both" in _errors(pct)["weighted_by"][0]


def test_only_a_percentage_is_worked_out_from_other_measures(victims):
    count = victims.measures.get(code="onward_referrals")
    count.weighted_by = victims.measures.get(code="new_victims")
    assert any("Only a percentage measure" in m for m in _errors(count)["__all__"])


def test_a_part_must_stay_a_count(victims):
    closed = victims.measures.get(code="cases_closed")
    closed.kind = K.MONEY
    assert any("must stay a count" in m for m in _errors(closed)["__all__"])


def test_staff_set_the_parts_on_the_measures_admin_page_with_a_clear_message_for_a_mistake(
    client, reviewer, victims
):
    pct = victims.measures.get(code="onward_referrals")  # any measure's page: the form is the same
    pct = _measure(victims, K.PERCENTAGE, code="felt_safer_pct")
    url = reverse("admin:providers_measure_change", args=[pct.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "How a percentage is combined across returns" in page
    data = {
        "template": victims.pk,
        "code": pct.code,
        "label": pct.label,
        "kind": K.PERCENTAGE,
        "hint": "",
        "required": "on",
        "order": 0,
        "numerator": victims.measures.get(code="cope_and_recover").pk,
        "denominator": victims.measures.get(code="spend").pk,
        "weighted_by": "",
        "breakdowns-TOTAL_FORMS": 0,
        "breakdowns-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Choose a count measure: “Spend this quarter” is a money measure" in response.content.decode()
    response = client.post(url, {**data, "denominator": victims.measures.get(code="cases_closed").pk})
    assert response.status_code == 302
    pct.refresh_from_db()
    assert pct.is_recomputed and pct.denominator.code == "cases_closed"


# --- The two measures the 2022/23 report prints ---------------------------------------------------------------------


NEW = ["reported_to_police", "mental_health_referrals"]


def test_the_victims_template_asks_for_the_two_measures_the_report_prints(victims):
    measures = {m.code: m for m in victims.measures.all()}
    assert measures["reported_to_police"].label == "Victims who had reported the crime to the police"
    assert measures["mental_health_referrals"].label == "Referrals to mental health services"
    assert {measures[c].kind for c in NEW} == {K.COUNT}
    pct = measures["cope_and_recover_pct"]
    assert (pct.numerator.code, pct.denominator.code) == ("cope_and_recover", "cases_closed")


def test_the_migration_adds_the_two_measures_to_an_existing_victims_template_only(victims, idva):
    # As an existing deployment had it: neither measure, and a typed percentage.
    victims.measures.filter(code__in=NEW).delete()
    victims.measures.filter(code="cope_and_recover_pct").update(numerator=None, denominator=None)
    idva_before = list(
        idva.measures.values_list("code", "label", "kind", "order", "numerator", "denominator")
    )
    migration = importlib.import_module("providers.migrations.0007_victims_template_police_and_mental_health")
    for _ in range(2):  # and again, changing nothing more
        migration.add_measures(apps, None)
        codes = list(victims.measures.order_by("order", "pk").values_list("code", flat=True))
        assert codes.count("reported_to_police") == 1 and codes.count("mental_health_referrals") == 1
    assert codes.index("reported_to_police") == codes.index("referrals_received") + 1
    assert codes.index("mental_health_referrals") == codes.index("onward_referrals") + 1
    assert victims.measures.get(code="reported_to_police").kind == K.COUNT
    pct = victims.measures.get(code="cope_and_recover_pct")
    assert (pct.numerator.code, pct.denominator.code) == ("cope_and_recover", "cases_closed")
    assert (
        list(idva.measures.values_list("code", "label", "kind", "order", "numerator", "denominator"))
        == idva_before
    )


# --- Needs: demand is a count -----------------------------------------------------------------------------------------


def test_recorded_demand_is_taken_from_counts_only(victims):
    with pytest.raises(
        selectors.NotACount, match=r"is a percentage measure\. Demand can only be taken from a count"
    ):
        selectors.recorded_demand_by_area(year=2024, measure_code="cope_and_recover_pct")
    assert selectors.recorded_demand_by_area(year=2024, measure_code="new_victims") == {}
