"""The migration that makes one audit trail (audit.0002) turns every row of the old trails into an audit event:
status changes keep who, when, from, to and why; an email already sent stays sent; a snapshot becomes the fields
it changed. It runs on a database taken back to the migrations before it, with rows written as the old code wrote
them, then migrated forward."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from applications.models import Application, Status, StatusEmail
from applications.selectors import status_changes
from audit.models import AuditEvent
from audit.selectors import trail_of
from providers import selectors as provider_selectors
from providers.models import MonitoringReturn
from tests.applications.factories import complete_application
from tests.factories import BudgetLineFactory, UserFactory
from tests.providers.factories import ReturnFactory

BEFORE = [
    ("audit", "0001_initial"),
    ("applications", "0008_status_email"),
    ("providers", "0001_initial"),
    ("funds", "0004_auditevent_moves_to_audit"),
]


def _migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.fixture
def rows(transactional_db):
    """What the old trails are about, made with today's models before the database goes back: the factories write
    today's columns, which an older schema does not have. Going back drops those columns and keeps the rows."""
    return SimpleNamespace(
        officer=UserFactory(full_name="Grace Officer"),
        application=complete_application(),
        ret=ReturnFactory(),
        preparer=UserFactory(),
        signatory=UserFactory(),
        line=BudgetLineFactory(amount=Decimal("1500.00")),
    )


@pytest.fixture
def old_apps(rows):
    """The models as they were before the trails merged. Afterwards the database is back at the latest migration."""
    _migrate(BEFORE)
    try:
        yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    finally:
        _migrate()


def test_old_status_changes_returns_moves_and_snapshots_become_one_trail_of_audit_events(rows, old_apps):
    at = timezone.now() - datetime.timedelta(days=400)
    officer = rows.officer
    application = rows.application
    applicant = application.created_by
    ApplicationEvent = old_apps.get_model("applications", "ApplicationEvent")
    submitted = ApplicationEvent.objects.create(
        application_id=application.pk,
        from_status="draft",
        to_status="submitted",
        by_id=applicant.pk,
        reason="Submitted by the applicant",
        notified_at=at,
    )
    screened = ApplicationEvent.objects.create(
        application_id=application.pk,
        from_status="submitted",
        to_status="ineligible",
        by_id=officer.pk,
        reason="Outside the area",
    )
    ApplicationEvent.objects.filter(pk=submitted.pk).update(at=at)
    ApplicationEvent.objects.filter(pk=screened.pk).update(at=at + datetime.timedelta(days=1))
    # move() wrote an audit event beside each ApplicationEvent. Only the first has one here: one pairs, one is added.
    AuditEvent.objects.create(
        action="application.status",
        content_type=ContentType.objects.get_for_model(Application),
        object_id=application.pk,
        actor=applicant,
        before={"status": "draft"},
        after={"status": "submitted"},
        note="Submitted by the applicant",
    )

    ret = rows.ret
    preparer, signatory = rows.preparer, rows.signatory
    ReturnTransition = old_apps.get_model("providers", "ReturnTransition")
    for n, (frm, to, action, by) in enumerate(
        [
            ("not_started", "draft", "started", preparer),
            ("draft", "awaiting_sign_off", "sent for sign-off", preparer),
            ("awaiting_sign_off", "submitted", "signed off and submitted", signatory),
        ]
    ):
        row = ReturnTransition.objects.create(
            monitoring_return_id=ret.pk, from_status=frm, to_status=to, action=action, by_id=by.pk
        )
        ReturnTransition.objects.filter(pk=row.pk).update(at=at + datetime.timedelta(hours=n))
    AuditEvent.objects.create(
        action="return.submitted",
        content_type=ContentType.objects.get_for_model(MonitoringReturn),
        object_id=ret.pk,
        actor=signatory,
        after={"late": False, "submitted_at": "2024-07-16T10:00:00+01:00"},
    )

    line = rows.line
    HistoricalBudgetLine = old_apps.get_model("funds", "HistoricalBudgetLine")
    snapshot = {
        "id": line.pk,
        "budget_id": line.budget_id,
        "kind": line.kind,
        "name": line.name,
        "order": 0,
        "illustrative": False,
    }
    HistoricalBudgetLine.objects.create(
        **snapshot, amount=Decimal("1000.00"), history_date=at, history_type="+", history_user_id=officer.pk
    )
    HistoricalBudgetLine.objects.create(
        **snapshot,
        amount=Decimal("1500.00"),
        history_date=at + datetime.timedelta(days=2),
        history_type="~",
        history_user_id=officer.pk,
        history_change_reason="Corrected from the signed budget",
    )

    _migrate()

    changes = [(c.from_status, c.to_status, c.by, c.at, c.reason) for c in status_changes(application)]
    assert changes == [
        (Status.DRAFT, Status.SUBMITTED, applicant, at, "Submitted by the applicant"),
        (Status.SUBMITTED, Status.INELIGIBLE, officer, at + datetime.timedelta(days=1), "Outside the area"),
    ]
    first, second = status_changes(application)
    assert StatusEmail.objects.get(pk=first.pk).sent_at == at
    assert not StatusEmail.objects.filter(pk=second.pk).exists()

    steps = [(s.action, s.by, s.at) for s in provider_selectors.history_of(ret)]
    assert steps == [
        ("started", preparer, at),
        ("sent for sign-off", preparer, at + datetime.timedelta(hours=1)),
        ("signed off and submitted", signatory, at + datetime.timedelta(hours=2)),
    ]
    assert [e.after for e in trail_of(ret)] == [
        {"status": "draft"},
        {"status": "awaiting_sign_off"},
        {"status": "submitted", "late": False, "submitted_at": "2024-07-16T10:00:00+01:00"},
    ], "the separate submission event is folded into the move it described"

    history = [(e.action, e.actor, e.at, e.before, e.after, e.note) for e in trail_of(line)]
    created, changed = history
    assert created[:3] == ("history.budgetline.created", officer, at) and created[3] is None
    assert created[4]["amount"] == "1000.00" and created[4]["name"] == line.name
    assert changed == (
        "history.budgetline.changed",
        officer,
        at + datetime.timedelta(days=2),
        {"amount": "1000.00"},
        {"amount": "1500.00"},
        "Corrected from the signed budget",
    )
