import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.models import Application, Status
from applications.selectors import status_changes
from tests.applications.factories import (
    PDF,
    OrganisationFactory,
    RoundFactory,
    complete_application,
    member_of,
    pdf,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_():
    return RoundFactory()


@pytest.fixture
def applicant(client, round_):
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    client.force_login(user)
    return user


def test_open_rounds_page_lists_the_round_with_its_amounts_and_deadline(client, round_):
    page = client.get("/rounds/").content.decode()
    assert round_.name in page
    assert "£500 to £10,000" in page


def test_a_round_not_yet_open_is_not_public(client):
    future = RoundFactory(
        opens_at=timezone.now() + datetime.timedelta(days=3),
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    assert future.name not in client.get("/rounds/").content.decode()
    assert client.get(f"/rounds/{future.slug}/").status_code == 404


def test_eligibility_check_says_you_can_apply_when_every_answer_fits(client, round_):
    area = round_.areas.first()
    response = client.post(
        f"/rounds/{round_.slug}/eligibility/",
        {
            "organisation_type": "constituted_group",
            "area": area.pk,
            "has_governing_document": "yes",
            "has_safeguarding_policy": "yes",
            "has_bank_account": "yes",
        },
    )
    assert "You can apply" in response.content.decode()


def test_eligibility_check_says_why_not(client, round_):
    response = client.post(
        f"/rounds/{round_.slug}/eligibility/",
        {
            "organisation_type": "parish_council",
            "area": round_.areas.first().pk,
            "has_governing_document": "yes",
            "has_safeguarding_policy": "no",
            "has_bank_account": "yes",
        },
    )
    page = response.content.decode()
    assert "You cannot apply to this round" in page
    assert "Parish or town councils cannot apply to this round" in page
    assert "You need a safeguarding policy before you can apply" in page


def test_eligibility_check_asks_every_question_before_answering(client, round_):
    page = client.post(f"/rounds/{round_.slug}/eligibility/", {}).content.decode()
    assert "Select what kind of organisation you are" in page
    assert "Select yes if your organisation has a safeguarding policy" in page


def test_starting_an_application_creates_a_draft_with_a_task_list(client, round_, applicant):
    response = client.post(
        f"/rounds/{round_.slug}/apply/", {"organisation": applicant.memberships.get().organisation_id}
    )
    application = Application.objects.get()
    assert response.url == f"/applications/{application.pk}/"
    page = client.get(response.url).content.decode()
    assert "govuk-task-list" in page and "Not yet started" in page


def _draft(applicant, round_):
    return Application.objects.create(
        round=round_, organisation=applicant.memberships.get().organisation, created_by=applicant
    )


def test_a_malformed_amount_gets_a_message_that_says_what_to_fix(client, round_, applicant):
    application = _draft(applicant, round_)
    response = client.post(
        f"/applications/{application.pk}/project/", {"amount_requested": "£1.2k", "action": "continue"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "not abbreviated like 12k" in page
    assert "Enter the name of your project" in page


def test_save_and_come_back_later_keeps_valid_answers_and_the_raw_text_of_invalid_ones(
    client, round_, applicant
):
    application = _draft(applicant, round_)
    response = client.post(
        f"/applications/{application.pk}/project/",
        {"project_title": "Safer parks", "amount_requested": "74, 626", "action": "later"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.project_title == "Safer parks"
    assert application.amount_requested is None
    page = client.get(f"/applications/{application.pk}/project/").content.decode()
    assert 'value="74, 626"' in page
    assert application.task_status("project") == "Incomplete"


def test_budget_that_does_not_add_up_says_by_how_much(client, round_, applicant):
    application = _draft(applicant, round_)
    application.amount_requested = Decimal("5000")
    application.save()
    response = client.post(
        f"/applications/{application.pk}/budget/",
        {
            "rows": "3",
            "item_1_description": "Coaches",
            "item_1_amount": "3,000",
            "item_2_description": "Kit",
            "item_2_amount": "1800",
            "action": "continue",
        },
    )
    assert (
        "The budget items add up to £4,800 but you are asking for £5,000. Change the items or the amount"
        in response.content.decode()
    )
    application.refresh_from_db()
    assert "budget" not in application.completed_tasks


def test_budget_that_adds_up_completes_the_task(client, round_, applicant):
    application = _draft(applicant, round_)
    application.amount_requested = Decimal("4800")
    application.save()
    client.post(
        f"/applications/{application.pk}/budget/",
        {
            "rows": "3",
            "item_1_description": "Coaches",
            "item_1_amount": "3,000",
            "item_2_description": "Kit",
            "item_2_amount": "1800",
            "action": "continue",
        },
    )
    application.refresh_from_db()
    assert "budget" in application.completed_tasks
    assert [i.amount for i in application.budget_items.all()] == [Decimal("3000"), Decimal("1800")]


def test_uploads_are_checked_by_their_content_not_their_name(client, round_, applicant):
    application = _draft(applicant, round_)
    fake = SimpleUploadedFile(
        "constitution.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf"
    )
    response = client.post(
        f"/applications/{application.pk}/documents/",
        {"governing_document": fake, "safeguarding_policy": pdf(), "accounts": pdf(), "action": "continue"},
    )
    assert "The selected file constitution.pdf must be a PDF, DOCX, XLSX" in response.content.decode()
    assert set(application.documents.values_list("kind", flat=True)) == {"safeguarding_policy", "accounts"}


def test_oversized_uploads_are_refused(client, round_, applicant, monkeypatch):
    from applications.services import documents

    monkeypatch.setattr(documents, "MAX_UPLOAD_BYTES", len(PDF) - 1)
    application = _draft(applicant, round_)
    response = client.post(
        f"/applications/{application.pk}/documents/", {"governing_document": pdf(), "action": "continue"}
    )
    assert f"must be smaller than {len(PDF) - 1} bytes" in response.content.decode()


def test_submitting_gives_a_reference_and_one_confirmation_email(
    client, round_, django_capture_on_commit_callbacks
):
    application = complete_application(round_=round_)
    client.force_login(application.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/applications/{application.pk}/check/")
    assert response.url == f"/applications/{application.pk}/submitted/"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    year = round_.budget.year.label("short").replace("-", "")
    assert application.reference == f"HCF-{year}-00001"
    assert application.reference in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1 and application.reference in mail.outbox[0].body


def test_a_second_submit_changes_nothing_and_sends_nothing(
    client, round_, django_capture_on_commit_callbacks
):
    application = complete_application(round_=round_)
    client.force_login(application.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/applications/{application.pk}/check/")
        second = client.post(f"/applications/{application.pk}/check/")
    assert second.status_code == 302
    assert len(mail.outbox) == 1
    assert len(status_changes(application)) == 1


def test_an_incomplete_application_cannot_be_submitted(client, round_, applicant):
    application = _draft(applicant, round_)
    page = client.post(f"/applications/{application.pk}/check/").content.decode()
    assert "You cannot submit your application yet" in page
    assert "Complete the section “Budget”" in page
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_the_deadline_is_enforced_on_the_server_and_the_draft_is_kept(client, round_):
    application = complete_application(round_=round_)
    client.force_login(application.created_by)
    round_.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    round_.save()
    response = client.post(f"/applications/{application.pk}/check/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "has closed" in page and "We have kept your draft" in page and "grants@opcc.example" in page
    application.refresh_from_db()
    assert application.status == Status.DRAFT and application.reference is None


def test_saving_after_the_round_closed_keeps_what_was_typed(client, round_, applicant):
    application = _draft(applicant, round_)
    round_.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    round_.save()
    response = client.post(
        f"/applications/{application.pk}/project/", {"project_title": "Late idea", "action": "continue"}
    )
    assert "has closed" in response.content.decode()
    application.refresh_from_db()
    assert application.project_title == "Late idea"


def test_withdrawing_a_submitted_application_is_recorded_and_emailed(
    client, round_, django_capture_on_commit_callbacks
):
    application = complete_application(round_=round_)
    client.force_login(application.created_by)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/applications/{application.pk}/check/")
        client.post(f"/applications/{application.pk}/withdraw/", {"reason": "Project cancelled"})
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert status_changes(application)[-1].reason == "Project cancelled"
    assert "Withdrawn" in mail.outbox[-1].subject


def test_dashboard_says_what_happens_next_in_plain_words(client, round_):
    application = complete_application(round_=round_)
    client.force_login(application.created_by)
    client.post(f"/applications/{application.pk}/check/")
    page = client.get("/applications/").content.decode()
    assert "Checking eligibility" in page
    assert "We are checking that your organisation and project can be funded" in page
