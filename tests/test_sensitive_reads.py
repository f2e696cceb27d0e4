"""Every download of an application document, a provider's contract document or an export leaves an audit event:
who, when, what. A refused read (404) leaves none, and no event holds the file's contents."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import roles
from applications.models import Assessment
from audit.models import AuditEvent
from exports.models import ExportJob
from providers.models import ProviderMembership, ServiceDocument
from tests.applications.factories import OrganisationFactory, complete_application, member_of
from tests.factories import UserFactory
from tests.providers.factories import MembershipFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _reads(action):
    return list(AuditEvent.objects.filter(action=action).select_related("actor", "content_type"))


def _no_contents(event, contents: bytes):
    text = f"{event.before} {event.after} {event.note}"
    assert contents.decode("latin-1")[:20] not in text


@pytest.fixture
def application():
    return complete_application()


def _download_url(document):
    return reverse("applications:download", args=[document.application_id, document.pk])


def test_an_applicant_downloading_their_own_document_is_recorded(client, application):
    document = application.documents.get(kind="safeguarding_policy")
    client.force_login(application.created_by)
    response = client.get(_download_url(document))
    contents = _body(response)

    assert response.status_code == 200
    [event] = _reads("document.downloaded")
    assert event.actor == application.created_by
    assert event.subject == document
    assert event.after == {
        "application": application.pk,
        "kind": "safeguarding_policy",
        "size": document.size,
    }
    assert event.at is not None
    _no_contents(event, contents)


def test_a_member_of_staff_downloading_an_applicants_document_is_recorded(client, application):
    officer = UserFactory(is_staff=True, email="officer@opcc.example")
    officer.groups.add(Group.objects.get(name=roles.GRANTS_OFFICER))
    document = application.documents.get(kind="accounts")
    client.force_login(officer)
    assert client.get(_download_url(document)).status_code == 200
    [event] = _reads("document.downloaded")
    assert (event.actor, event.object_id, event.after["kind"]) == (officer, document.pk, "accounts")


def test_a_refused_document_download_is_not_recorded_as_a_read(client, application):
    document = application.documents.first()
    client.force_login(member_of(OrganisationFactory()))
    assert client.get(_download_url(document)).status_code == 404
    # Staff who declared a conflict are refused too, and their refusal is not a read either.
    conflicted = UserFactory(is_staff=True)
    Assessment.objects.create(application=application, assessor=conflicted, has_conflict=True)
    client.force_login(conflicted)
    assert client.get(_download_url(document)).status_code == 404
    assert _reads("document.downloaded") == []


@pytest.fixture
def contract():
    service = ServiceFactory(name="Advocacy service")
    return ServiceDocument.objects.create(
        service=service,
        title="Contract 2024",
        file=SimpleUploadedFile(
            "contract-2024.pdf", b"%PDF-1.4 secret terms", content_type="application/pdf"
        ),
    )


def test_a_provider_downloading_its_contract_document_is_recorded(client, contract):
    preparer = MembershipFactory(provider=contract.service.provider).user
    client.force_login(preparer)
    response = client.get(reverse("providers:service_document", args=[contract.service_id, contract.pk]))
    contents = _body(response)

    assert response.status_code == 200
    [event] = _reads("service_document.downloaded")
    assert (event.actor, event.subject) == (preparer, contract)
    assert event.after["service"] == contract.service_id and event.after["title"] == "Contract 2024"
    assert event.after["file_name"] == "Contract 2024.pdf"  # the name it was downloaded as: its title
    _no_contents(event, contents)


def test_another_providers_refused_contract_download_is_not_recorded(client, contract):
    outsider = MembershipFactory(role=ProviderMembership.Role.SIGNATORY).user
    client.force_login(outsider)
    assert (
        client.get(reverse("providers:service_document", args=[contract.service_id, contract.pk])).status_code
        == 404
    )
    assert _reads("service_document.downloaded") == []


def _ready_export(by, kind="applications.list"):
    job = ExportJob.objects.create(
        kind=kind,
        params={"status": "declined"},
        title="Applications",
        requested_by=by,
        status=ExportJob.Status.READY,
        filename="applications.xlsx",
    )
    job.file.save("applications.xlsx", ContentFile(b"PK\x03\x04 workbook bytes"), save=True)
    return job


def test_downloading_an_export_is_recorded(client, staff_user):
    job = _ready_export(staff_user)
    client.force_login(staff_user)
    response = client.get(reverse("exports:download", args=[job.pk]))
    contents = _body(response)

    assert response.status_code == 200
    [event] = _reads("export.downloaded")
    assert (event.actor, event.subject) == (staff_user, job)
    assert event.after == {
        "kind": "applications.list",
        "title": "Applications",
        "file_name": "applications.xlsx",
        "params": {"status": "declined"},
    }
    _no_contents(event, contents)


def test_another_staff_members_export_is_not_found_and_not_recorded(client, staff_user):
    job = _ready_export(staff_user)
    client.force_login(UserFactory(is_staff=True, email="colleague@opcc.example"))
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert _reads("export.downloaded") == []
