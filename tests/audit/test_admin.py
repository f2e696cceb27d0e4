"""The audit trail in Django admin: filterable by who acted, the kind of record and the date, and read only."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from tests.factories import BudgetFactory, UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:audit_auditevent_changelist"


@pytest.fixture
def events():
    fiona = UserFactory(full_name="Fiona Finance", email="fiona@opcc.example", is_staff=True)
    oscar = UserFactory(full_name="Oscar Other", email="oscar@opcc.example", is_staff=True)
    applicant = UserFactory(full_name="Annie Applicant", email="annie@charity.example")
    budget = BudgetFactory()
    record_event("budget.pot_changed", obj=budget, by=fiona, after={"pot": "1.00"})
    old = record_event("line.saved", obj=fiona, by=oscar, after={"amount": "2.00"})
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.make_aware(datetime.datetime(2023, 5, 1, 9)))
    record_event("application.submitted", obj=applicant, by=applicant)
    return {"fiona": fiona, "oscar": oscar, "applicant": applicant, "budget": budget}


def shown(client, **params) -> set[str]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {event.action for event in response.context["cl"].result_list}


def test_the_changelist_filters_by_actor_content_type_and_date(admin_client, events):
    budget_type = ContentType.objects.get_for_model(events["budget"])
    assert shown(admin_client) == {"budget.pot_changed", "line.saved", "application.submitted"}
    assert shown(admin_client, actor__id__exact=events["oscar"].pk) == {"line.saved"}
    assert shown(admin_client, actor__id__exact=events["applicant"].pk) == {"application.submitted"}
    assert shown(admin_client, content_type__id__exact=budget_type.pk) == {"budget.pot_changed"}
    assert shown(admin_client, at__year=2023) == {"line.saved"}
    assert shown(admin_client, action="line.saved") == {"line.saved"}
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    # The actor filter offers the staff who are in the trail; everyone who acts in it would be thousands of links.
    assert "Fiona Finance" in page and "Oscar Other" in page
    assert f"?actor__id__exact={events['applicant'].pk}" not in page
    # The action filter offers every action the trail holds, and the date filter its periods.
    for action in ("budget.pot_changed", "line.saved", "application.submitted"):
        assert f"?action={action}" in page
    assert "Past 7 days" in page and "This year" in page


def test_the_changelist_stays_read_only(admin_client, events):
    model_admin = admin.site._registry[AuditEvent]
    request = admin_client.get(reverse(CHANGELIST)).wsgi_request
    event = AuditEvent.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert (
        admin_client.post(
            reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
