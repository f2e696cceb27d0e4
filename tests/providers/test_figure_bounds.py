"""Every figure in a return is bounded where it is typed, and a figure saved before the bounds existed never breaks a
page: it is shown for correction, and the return cannot go on until it is corrected."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from providers.models import Measure, MonitoringReturn, ReturnBreakdownValue, ReturnValue
from tests.providers.conftest import complete_figures, fill_and_send, plain_percentage

S = MonitoringReturn.Status


def edit(client, ret, data, action="draft"):
    return client.post(reverse("providers:return_edit", args=[ret.pk]), {**data, "action": action})


def rows(ret):
    return (
        sorted(ReturnValue.objects.filter(monitoring_return=ret).values_list("measure_id", "number", "text")),
        sorted(ReturnBreakdownValue.objects.filter(monitoring_return=ret).values_list("option_id", "count")),
    )


@pytest.mark.parametrize(
    "field, typed, message",
    [
        ("m_new_victims", "1" * 20, "New victims supported must be 1,000,000 or fewer"),
        ("m_new_victims", "1,000,001", "New victims supported must be 1,000,000 or fewer"),
        (
            "b_new_victims__sex__female",
            "9" * 20,
            "New victims supported (sex: Female) must be 1,000,000 or fewer",
        ),
        ("m_felt_safer_pct", "100.01", "Enter a percentage from 0 to 100 for Victims who felt safer (%)"),
        ("m_felt_safer_pct", "1e400", "Enter a percentage from 0 to 100 for Victims who felt safer (%)"),
        ("m_referrals_received", "NaN", "Enter a whole number of 0 or more for Referrals received"),
        ("m_referrals_received", "Infinity", "Enter a whole number of 0 or more for Referrals received"),
        ("m_referrals_received", "74, 626", "Enter a whole number of 0 or more for Referrals received"),
        ("m_referrals_received", "1e400", "Enter a whole number of 0 or more for Referrals received"),
        ("m_spend", "-5", "Spend this quarter: Enter an amount of 0 or more"),
        ("m_spend", "NaN", "Spend this quarter: Enter an amount in pounds"),
    ],
)
def test_a_figure_out_of_bounds_is_refused_by_name_and_nothing_is_saved(
    client, side_a, field, typed, message
):
    plain_percentage(side_a.ret.period.template)
    client.force_login(side_a.preparer)
    before = rows(side_a.ret)
    response = edit(client, side_a.ret, {**complete_figures(), field: typed})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page
    assert rows(side_a.ret) == before


def test_a_count_in_thousands_is_read_as_the_whole_number(client, side_a):
    client.force_login(side_a.preparer)
    edit(client, side_a.ret, {"m_referrals_received": "74,626"})
    assert (
        ReturnValue.objects.get(monitoring_return=side_a.ret, measure__code="referrals_received").number
        == 74626
    )


@pytest.fixture
def saved_badly(side_a):
    """A return whose figures were saved before the bounds: a count of NaN, a count of 5 million, a percentage of
    250 and a breakdown count of 3 million. All of these fit the columns, so they are really stored."""
    fill_and_send(side_a)
    MonitoringReturn.objects.filter(pk=side_a.ret.pk).update(status=S.DRAFT)
    values = ReturnValue.objects.filter(monitoring_return=side_a.ret)
    nan = values.get(measure__code="new_victims")
    # Django will not write NaN, but the column holds it (from SQL, an import).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ReturnValue._meta.db_table} SET number = 'NaN' WHERE id = %s", [nan.pk])
    values.filter(measure__code="referrals_received").update(number=Decimal(5_000_000))
    values.filter(measure__code="cope_and_recover_pct").update(number=Decimal(250))
    ReturnBreakdownValue.objects.filter(monitoring_return=side_a.ret, option__code="female").update(
        count=3_000_000
    )
    side_a.ret.refresh_from_db()
    return side_a


def test_figures_saved_before_the_bounds_are_shown_for_correction_on_the_providers_pages(client, saved_badly):
    client.force_login(saved_badly.preparer)
    detail = client.get(reverse("providers:return", args=[saved_badly.ret.pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "Some figures need correcting" in page
    assert "Referrals received must be 1,000,000 or fewer" in page
    assert "NaN" in page

    edit_page = client.get(reverse("providers:return_edit", args=[saved_badly.ret.pk]))
    assert edit_page.status_code == 200
    page = edit_page.content.decode()
    assert "govuk-error-summary" in page
    assert "Enter a whole number of 0 or more for New victims supported" in page
    assert "Referrals received must be 1,000,000 or fewer" in page
    assert "New victims supported (sex: Female) must be 1,000,000 or fewer" in page
    assert 'value="5000000"' in page, "the saved figure is shown so the provider can see what to correct"


def test_a_return_with_figures_needing_correction_cannot_go_for_sign_off_or_be_submitted(client, saved_badly):
    client.force_login(saved_badly.preparer)
    response = client.post(reverse("providers:return_send_for_sign_off", args=[saved_badly.ret.pk]))
    assert response.status_code == 302
    assert MonitoringReturn.objects.get(pk=saved_badly.ret.pk).status == S.DRAFT

    MonitoringReturn.objects.filter(pk=saved_badly.ret.pk).update(
        status=S.AWAITING_SIGN_OFF, prepared_by=saved_badly.preparer
    )
    client.force_login(saved_badly.signatory)
    response = client.post(reverse("providers:return_sign_off", args=[saved_badly.ret.pk]), follow=True)
    assert response.status_code == 200
    assert "Referrals received must be 1,000,000 or fewer" in response.content.decode()
    assert MonitoringReturn.objects.get(pk=saved_badly.ret.pk).status == S.AWAITING_SIGN_OFF


def test_staff_see_figures_needing_correction_and_cannot_accept_them(client, saved_badly, reviewer):
    MonitoringReturn.objects.filter(pk=saved_badly.ret.pk).update(status=S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("providers:staff_return", args=[saved_badly.ret.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Needs correcting" in page.content.decode()
    response = client.post(url, {"action": "accept"}, follow=True)
    assert response.status_code == 200
    assert "Request changes so the provider can correct them" in response.content.decode()
    assert MonitoringReturn.objects.get(pk=saved_badly.ret.pk).status == S.SUBMITTED


def test_correcting_the_figures_lets_the_return_go_for_sign_off(client, saved_badly):
    client.force_login(saved_badly.preparer)
    response = edit(client, saved_badly.ret, complete_figures(), action="continue")
    assert response.status_code == 302
    client.post(reverse("providers:return_send_for_sign_off", args=[saved_badly.ret.pk]))
    assert MonitoringReturn.objects.get(pk=saved_badly.ret.pk).status == S.AWAITING_SIGN_OFF


def test_every_kind_of_measure_has_a_bound():
    from providers import validation

    for kind in Measure.Kind:
        if kind == Measure.Kind.TEXT:
            continue
        measure = Measure(kind=kind, label="The figure", code="figure")
        with pytest.raises(validation.FigureError):
            validation.read_measure("9" * 40, measure)


@pytest.mark.parametrize("field", ["m_new_victims", "b_new_victims__sex__female", "m_notes"])
def test_a_figure_with_a_nul_byte_is_refused_and_does_not_blank_the_saved_one(client, side_a, field):
    client.force_login(side_a.preparer)
    edit(client, side_a.ret, {**complete_figures(), "m_notes": "Quiet quarter"})
    before = rows(side_a.ret)
    response = edit(
        client,
        side_a.ret,
        {**complete_figures(), "m_notes": "Quiet quarter", field: "4\x005"},
        action="continue",
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert rows(side_a.ret) == before
