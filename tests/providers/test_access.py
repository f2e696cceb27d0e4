"""Provider A is told "not found" for every URL that names provider B's services, returns or documents."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from providers.models import ServiceDocument

PROVIDER_URLS = [
    ("get", "providers:service", "service"),
    ("get", "providers:return", "ret"),
    ("get", "providers:return_edit", "ret"),
    ("post", "providers:return_edit", "ret"),
    ("post", "providers:return_send_for_sign_off", "ret"),
    ("post", "providers:return_sign_off", "ret"),
    ("post", "providers:return_send_back", "ret"),
]
STAFF_URLS = [
    ("providers:staff_dashboard", None),
    ("providers:staff_return", "ret"),
    ("providers:staff_measure_chart", "measure"),
]


@pytest.fixture
def document_b(side_b):
    document = ServiceDocument(service=side_b.service, title="Contract")
    document.file.save("contract-b.pdf", ContentFile(b"%PDF-1.4 B"), save=True)
    return document


@pytest.mark.parametrize("method,name,target", PROVIDER_URLS)
def test_provider_a_gets_404_for_provider_bs_pages(client, side_a, side_b, method, name, target):
    client.force_login(side_a.signatory)
    obj = side_b.service if target == "service" else side_b.ret
    response = getattr(client, method)(reverse(name, args=[obj.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("method,name,target", PROVIDER_URLS)
def test_provider_b_reaches_the_same_urls_for_its_own_ids(client, side_b, method, name, target):
    client.force_login(side_b.signatory)
    obj = side_b.service if target == "service" else side_b.ret
    assert getattr(client, method)(reverse(name, args=[obj.pk])).status_code in (200, 302)


def test_provider_a_gets_404_for_provider_bs_document_even_through_its_own_service(
    client, side_a, side_b, document_b
):
    client.force_login(side_a.preparer)
    for service in (side_b.service, side_a.service):
        url = reverse("providers:service_document", args=[service.pk, document_b.pk])
        assert client.get(url).status_code == 404


def test_provider_b_downloads_its_own_document(client, side_b, document_b):
    client.force_login(side_b.preparer)
    response = client.get(reverse("providers:service_document", args=[side_b.service.pk, document_b.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 B"


@pytest.mark.parametrize("name,target", STAFF_URLS)
def test_provider_users_cannot_use_staff_commissioning_pages(client, side_a, side_b, name, target):
    client.force_login(side_a.signatory)
    args = {"ret": [side_b.ret.pk], "measure": [side_b.ret.period.template.measures.first().pk], None: []}[
        target
    ]
    assert client.get(reverse(name, args=args)).status_code == 403


def test_a_provider_cannot_export_returns(client, side_a):
    client.force_login(side_a.signatory)
    assert client.post(reverse("providers:staff_export"), {"period": "Q1 2024/25"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, side_b):
    response = client.get(reverse("providers:return", args=[side_b.ret.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_only_signed_in_staff_holding_the_review_permission_may_review_returns(db):
    from django.contrib.auth.models import AnonymousUser, Permission

    from providers.selectors import can_review
    from tests.factories import UserFactory

    permission = Permission.objects.get(codename="review_returns")
    reviewer, staff_without, not_staff = UserFactory(is_staff=True), UserFactory(is_staff=True), UserFactory()
    reviewer.user_permissions.add(permission)
    not_staff.user_permissions.add(permission)

    assert can_review(reviewer)
    assert not can_review(staff_without)
    assert not can_review(not_staff)  # the permission alone, without being staff, is not enough
    assert not can_review(AnonymousUser())
