import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from providers import services
from providers.models import MonitoringReturn, ReturnValue
from tests.providers.conftest import complete_figures, plain_percentage

S = MonitoringReturn.Status


@pytest.fixture
def preparer_client(client, side_a):
    client.force_login(side_a.preparer)
    return client


def edit(client, ret, data, action="continue"):
    return client.post(reverse("providers:return_edit", args=[ret.pk]), {**data, "action": action})


def test_a_provider_sees_only_its_own_returns_on_its_home_page(preparer_client, side_a, side_b):
    page = preparer_client.get(reverse("providers:portal")).content.decode()
    assert side_a.service.name in page
    assert side_b.service.name not in page


def test_counts_must_be_whole_numbers_of_zero_or_more(preparer_client, side_a):
    for typed in ["-1", "4.5", "four", "12k"]:
        response = edit(preparer_client, side_a.ret, {**complete_figures(), "m_new_victims": typed})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Enter a whole number of 0 or more for New victims supported" in page
        assert f'value="{typed}"' in page, "what was typed is shown back, not lost"
        assert page.count('href="#id_m_new_victims"') == 1


def test_a_breakdown_that_does_not_add_up_says_by_how_much(preparer_client, side_a):
    data = complete_figures(new_victims=45)
    data["b_new_victims__sex__female"] = str(int(data["b_new_victims__sex__female"]) - 4)
    page = edit(preparer_client, side_a.ret, data).content.decode()
    assert "The sex breakdown adds up to 41 but New victims supported is 45. Check the figures" in page
    assert 'href="#id_b_new_victims__sex__female"' in page
    # Every figure could be read, so it was saved even though the return is not ready for sign-off.
    assert ReturnValue.objects.get(monitoring_return=side_a.ret, measure__code="new_victims").number == 45


def test_percentages_run_from_0_to_100_and_money_is_read_in_pounds(preparer_client, side_a):
    plain_percentage(side_a.ret.period.template)
    page = edit(
        preparer_client,
        side_a.ret,
        {**complete_figures(), "m_felt_safer_pct": "101", "m_spend": "£1.2k"},
    ).content.decode()
    assert "Enter a percentage from 0 to 100 for Victims who felt safer (%)" in page
    assert (
        "Spend this quarter: Enter an amount in pounds, like 1,250 or 1250.50, in full, not abbreviated like 12k"
        in page
    )
    assert not ReturnValue.objects.filter(monitoring_return=side_a.ret).exists()


def test_a_draft_saves_what_is_there_and_comes_back_later(preparer_client, side_a):
    response = edit(
        preparer_client, side_a.ret, {"m_new_victims": "12", "m_spend": "1,250.50"}, action="draft"
    )
    assert response.status_code == 302 and response.url == reverse("providers:portal")
    side_a.ret.refresh_from_db()
    assert side_a.ret.status == S.DRAFT
    page = preparer_client.get(reverse("providers:return_edit", args=[side_a.ret.pk])).content.decode()
    assert 'value="12"' in page and 'value="1250.50"' in page


def test_the_preparer_sends_for_sign_off_and_a_signatory_submits(client, side_a):
    client.force_login(side_a.preparer)
    assert edit(client, side_a.ret, complete_figures()).url == reverse(
        "providers:return", args=[side_a.ret.pk]
    )
    client.post(reverse("providers:return_send_for_sign_off", args=[side_a.ret.pk]))
    page = client.get(reverse("providers:return", args=[side_a.ret.pk])).content.decode()
    assert "waiting for someone else at your organisation to sign it off" in page
    assert "Sign off and submit" not in page

    client.force_login(side_a.signatory)
    assert (
        "Sign off and submit"
        in client.get(reverse("providers:return", args=[side_a.ret.pk])).content.decode()
    )
    response = client.post(reverse("providers:return_sign_off", args=[side_a.ret.pk]), follow=True)
    assert "Return submitted." in response.content.decode()
    side_a.ret.refresh_from_db()
    assert side_a.ret.status == S.SUBMITTED and side_a.ret.signed_off_by == side_a.signatory


def test_a_late_submission_is_marked_late_on_the_page(client, side_a):
    client.force_login(side_a.preparer)
    edit(client, side_a.ret, complete_figures())
    client.post(reverse("providers:return_send_for_sign_off", args=[side_a.ret.pk]))
    client.force_login(side_a.signatory)
    page = client.post(
        reverse("providers:return_sign_off", args=[side_a.ret.pk]), follow=True
    ).content.decode()
    # Q1 2024/25 was due on 22 July 2024, so a submission today is late; it is taken, and marked.
    assert timezone.localdate() > datetime.date(2024, 7, 22)
    assert "it is marked as late" in page and "govuk-tag--red" in page


def test_the_provider_sees_the_change_request_and_resubmits(client, side_a, reviewer):
    client.force_login(side_a.preparer)
    edit(client, side_a.ret, complete_figures())
    client.post(reverse("providers:return_send_for_sign_off", args=[side_a.ret.pk]))
    client.force_login(side_a.signatory)
    client.post(reverse("providers:return_sign_off", args=[side_a.ret.pk]))
    services.request_changes(return_id=side_a.ret.pk, by=reviewer, comment="Onward referrals seem high")

    client.force_login(side_a.preparer)
    page = client.get(reverse("providers:return", args=[side_a.ret.pk])).content.decode()
    assert "Changes requested by the OPCC" in page and "Onward referrals seem high" in page
    edit(client, side_a.ret, {**complete_figures(), "m_onward_referrals": "3"})
    client.post(reverse("providers:return_send_for_sign_off", args=[side_a.ret.pk]))
    client.force_login(side_a.signatory)
    client.post(reverse("providers:return_sign_off", args=[side_a.ret.pk]))
    side_a.ret.refresh_from_db()
    assert side_a.ret.status == S.SUBMITTED


def test_staff_request_changes_with_a_comment_or_are_told_to_give_one(client, side_a, reviewer):
    from tests.providers.conftest import fill_and_send

    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory)
    client.force_login(reviewer)
    url = reverse("providers:staff_return", args=[side_a.ret.pk])
    page = client.post(url, {"action": "request_changes", "comment": ""}).content.decode()
    assert "Say what the provider needs to change" in page and "<title>Error:" in page
    client.post(url, {"action": "request_changes", "comment": "Please split by crime type again"})
    side_a.ret.refresh_from_db()
    assert side_a.ret.status == S.CHANGES_REQUESTED


def test_staff_accept_and_reopen_from_the_review_page(client, side_a, reviewer):
    from tests.providers.conftest import fill_and_send

    fill_and_send(side_a)
    services.sign_off_and_submit(return_id=side_a.ret.pk, by=side_a.signatory)
    client.force_login(reviewer)
    url = reverse("providers:staff_return", args=[side_a.ret.pk])
    client.post(url, {"action": "accept"})
    side_a.ret.refresh_from_db()
    assert side_a.ret.status == S.ACCEPTED
    client.post(url, {"action": "reopen", "reason": "Figures restated by the provider"})
    page = client.get(url).content.decode()
    assert "Reopened" in page and "Figures restated by the provider" in page
