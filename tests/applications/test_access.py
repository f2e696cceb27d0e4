"""A member of organisation A gets 404 for every application and document URL of organisation B."""

import pytest
from django.urls import reverse

from applications.models import InformationRequest
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    assessor,
    complete_application,
    grants_officer,
    member_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_orgs_application():
    round_ = RoundFactory()
    application = complete_application(round_=round_)
    InformationRequest.objects.create(
        application=application, question="Why?", asked_by=UserFactory(is_staff=True)
    )
    return application


def _urls(application):
    pk = application.pk
    document = application.documents.first()
    info = application.information_requests.first()
    urls = [
        reverse("applications:detail", args=[pk]),
        reverse("applications:check", args=[pk]),
        reverse("applications:confirmation", args=[pk]),
        reverse("applications:withdraw", args=[pk]),
        reverse("applications:accept_award", args=[pk]),
        reverse("applications:respond", args=[pk, info.pk]),
        reverse("applications:download", args=[pk, document.pk]),
        reverse("applications:organisation", args=[application.organisation_id]),
    ]
    urls += [
        reverse("applications:task", args=[pk, task])
        for task in ("organisation", "project", "budget", "documents", "declarations")
    ]
    return urls


def test_a_member_of_another_organisation_gets_404_for_every_application_and_document_url(
    client, other_orgs_application
):
    outsider = member_of(OrganisationFactory())
    client.force_login(outsider)
    for url in _urls(other_orgs_application):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"action": "continue", "response": "x"}).status_code == 404, url


def test_a_members_own_document_downloads(client, other_orgs_application):
    client.force_login(other_orgs_application.created_by)
    document = other_orgs_application.documents.first()
    response = client.get(reverse("applications:download", args=[other_orgs_application.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_document_id_under_another_applications_url_is_not_found(client, other_orgs_application):
    mine = complete_application()
    client.force_login(mine.created_by)
    theirs = other_orgs_application.documents.first()
    assert client.get(reverse("applications:download", args=[mine.pk, theirs.pk])).status_code == 404


def test_staff_pages_are_not_for_applicants(client, other_orgs_application):
    client.force_login(other_orgs_application.created_by)
    response = client.get(reverse("applications:staff_detail", args=[other_orgs_application.pk]))
    assert response.status_code == 403


def test_staff_pages_need_the_permission_to_view_applications(client, other_orgs_application):
    url = reverse("applications:staff_detail", args=[other_orgs_application.pk])
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 403
    assert client.get(reverse("applications:staff_list")).status_code == 403
    assert client.post(reverse("applications:staff_export")).status_code == 403


def test_staff_can_download_any_document(client, other_orgs_application):
    client.force_login(grants_officer())
    document = other_orgs_application.documents.first()
    assert (
        client.get(
            reverse("applications:download", args=[other_orgs_application.pk, document.pk])
        ).status_code
        == 200
    )


def test_staff_without_the_permission_to_view_applications_cannot_download_their_documents(
    client, other_orgs_application
):
    client.force_login(UserFactory(is_staff=True))
    document = other_orgs_application.documents.first()
    url = reverse("applications:download", args=[other_orgs_application.pk, document.pk])
    assert client.get(url).status_code == 404


def test_a_declared_conflict_hides_the_documents_from_that_assessor_and_no_one_else():
    from applications.models import Assessment
    from applications.selectors import documents_visible_to

    application = complete_application(round_=RoundFactory())
    documents = set(application.documents.values_list("pk", flat=True))
    assert documents
    conflicted, clear, not_assessing = (assessor() for _ in range(3))
    Assessment.objects.create(application=application, assessor=conflicted, has_conflict=True)
    Assessment.objects.create(application=application, assessor=clear, has_conflict=False)

    def seen_by(user):
        return set(documents_visible_to(user).filter(application=application).values_list("pk", flat=True))

    assert seen_by(conflicted) == set()
    assert seen_by(clear) == documents  # another assessor's conflict is theirs alone
    assert seen_by(not_assessing) == documents
