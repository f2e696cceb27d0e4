"""Staff ask for more information with a file attached, the applicant answers with a file of their own, and both
sides see every question asked, with its answer and files, on the application's page."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from applications import services
from applications.models import Document, InformationRequest, Status
from applications.workflow import TransitionNotAllowed
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    grants_officer,
    member_of,
    pdf,
    staff_in,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return submitted_application(round_=RoundFactory(questions=[]))


def applicant_of(application):
    return application.organisation.memberships.get().user


def ask(client, application, question: str, attachment=None):
    data = {"info-question": question}
    if attachment is not None:
        data["info-attachment"] = attachment
    return client.post(
        reverse("applications:staff_action", args=[application.pk, "request_information"]), data
    )


def answer(client, application, info, text: str, attachment=None):
    data = {"response": text}
    if attachment is not None:
        data["attachment"] = attachment
    return client.post(reverse("applications:respond", args=[application.pk, info.pk]), data)


def page(client, url_name: str, application) -> str:
    return html.unescape(client.get(reverse(url_name, args=[application.pk])).content.decode())


def download(client, application, document):
    return client.get(reverse("applications:download", args=[application.pk, document.pk]))


def test_staff_attach_a_file_to_their_question_and_the_applicant_downloads_it(client, application):
    client.force_login(grants_officer())
    response = ask(client, application, "Please fill in our safeguarding checklist.", pdf("checklist.pdf"))
    assert response.status_code == 302

    info = InformationRequest.objects.get(application=application)
    sent = Document.objects.get(information_request=info)
    assert (sent.kind, sent.original_name) == (Document.Kind.REQUEST_ATTACHMENT, "checklist.pdf")

    client.force_login(applicant_of(application))
    shown = page(client, "applications:detail", application)
    assert "Please fill in our safeguarding checklist." in shown and "checklist.pdf" in shown
    assert reverse("applications:download", args=[application.pk, sent.pk]) in shown
    assert "Answer this question" in shown
    respond = html.unescape(
        client.get(reverse("applications:respond", args=[application.pk, info.pk])).content.decode()
    )
    assert "checklist.pdf" in respond
    assert download(client, application, sent).status_code == 200


def test_the_applicant_answers_with_a_file_and_both_sides_see_the_question_and_answer(client, application):
    officer = grants_officer()
    info = services.request_information(
        application_id=application.pk,
        question="Send your latest accounts.",
        by=officer,
        attachment=pdf("template.pdf"),
    )
    applicant = applicant_of(application)
    client.force_login(applicant)

    response = answer(client, application, info, "Here they are.", pdf("accounts-2024.pdf"))

    assert response.status_code == 302
    info.refresh_from_db()
    assert info.response == "Here they are." and info.responded_by == applicant
    sent_back = Document.objects.get(information_request=info, kind=Document.Kind.INFORMATION)
    assert sent_back.original_name == "accounts-2024.pdf"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    # The answered question stays on the applicant's page, with its answer and both files.
    shown = page(client, "applications:detail", application)
    for text in (
        "Send your latest accounts.",
        "Here they are.",
        "template.pdf",
        "accounts-2024.pdf",
        "Answered on",
    ):
        assert text in shown
    assert "Answer this question" not in shown

    client.force_login(officer)
    staff_page = page(client, "applications:staff_detail", application)
    for text in ("Send your latest accounts.", "Here they are.", "template.pdf", "accounts-2024.pdf"):
        assert text in staff_page
    assert download(client, application, sent_back).status_code == 200


def test_every_question_is_listed_and_a_later_file_replaces_no_earlier_ones(client, application):
    officer = grants_officer()
    applicant = applicant_of(application)
    first = services.request_information(
        application_id=application.pk, question="First question?", by=officer, attachment=pdf("first.pdf")
    )
    services.answer_information_request(
        request_id=first.pk, response="First answer.", by=applicant, attachment=pdf("answer-one.pdf")
    )
    second = services.request_information(
        application_id=application.pk, question="Second question?", by=officer, attachment=pdf("second.pdf")
    )
    services.answer_information_request(
        request_id=second.pk, response="Second answer.", by=applicant, attachment=pdf("answer-two.pdf")
    )

    names = set(
        Document.objects.filter(information_request__isnull=False).values_list("original_name", flat=True)
    )
    assert names == {"first.pdf", "answer-one.pdf", "second.pdf", "answer-two.pdf"}
    # The application's own documents are untouched by either.
    assert application.documents.filter(information_request__isnull=True).count() == 3
    client.force_login(applicant)
    shown = page(client, "applications:detail", application)
    assert shown.index("First question?") < shown.index("Second question?")
    assert "First answer." in shown and "answer-one.pdf" in shown and "answer-two.pdf" in shown


def test_another_organisation_cannot_download_a_questions_file(client, application):
    info = services.request_information(
        application_id=application.pk,
        question="Any policy?",
        by=grants_officer(),
        attachment=pdf("policy.pdf"),
    )
    document = info.documents.get()
    stranger = member_of(OrganisationFactory())
    client.force_login(stranger)

    assert download(client, application, document).status_code == 404
    assert client.get(reverse("applications:respond", args=[application.pk, info.pk])).status_code == 404
    with pytest.raises(TransitionNotAllowed, match="Only people in the applying organisation"):
        services.answer_information_request(
            request_id=info.pk, response="Not mine.", by=stranger, attachment=pdf("x.pdf")
        )
    assert info.documents.count() == 1


NOT_ALLOWED = "You do not have permission to screen applications or ask applicants for more information."


def test_staff_who_may_not_ask_for_information_cannot_attach_a_file(client, application, settings):
    client.force_login(staff_in(roles.ASSESSOR))

    response = ask(client, application, "Can I ask?", pdf("sneaky.pdf"))

    assert response.status_code == 200
    assert NOT_ALLOWED in html.unescape(response.content.decode())
    assert not InformationRequest.objects.exists()
    assert not Document.objects.filter(kind=Document.Kind.REQUEST_ATTACHMENT).exists()
    with pytest.raises(TransitionNotAllowed, match=re.escape(NOT_ALLOWED)):
        services.request_information(
            application_id=application.pk,
            question="Can I ask?",
            by=staff_in(roles.ASSESSOR),
            attachment=pdf("sneaky.pdf"),
        )
    stored = settings.STORAGES["default"]["OPTIONS"]["location"]
    kept = [p for p in stored.rglob("*") if p.is_file()] if stored.exists() else []
    assert len(kept) == 3  # the application's own three documents, and no file of the refused question


def test_a_file_that_fails_its_checks_leaves_the_question_unanswered(client, application):
    info = services.request_information(
        application_id=application.pk, question="Policy?", by=grants_officer()
    )
    client.force_login(applicant_of(application))
    fake = SimpleUploadedFile("policy.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = answer(client, application, info, "Attached.", fake)

    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    info.refresh_from_db()
    assert info.responded_at is None and not info.documents.exists()
