"""Retention: unsuccessful applications keep their figures and lose their personal data once the period is over.

Which applications: those that ended without funding (not eligible, not funded by the panel, withdrawn), counted from
the moment they reached that status (the audit event of the move), and drafts never sent, counted from when their
round closed (after that they can never be submitted, so they have ended too). Approved and awarded applications are
never touched: their records are kept under the finance rules for grants paid.

What stays, for statistics and the budget: round, organisation, area, ring-fence, status, amounts (requested,
recommended, each budget item's amount), scores, dates, reference and the status history without its reasons.
What goes: names, phone numbers, every free-text answer, drafts, budget item descriptions, questions and answers about
the application, reasons for status changes (the notes of their audit events), assessors' comments
and conflict details, and the uploaded documents (files and rows).

Safe to run on two workers at once: each batch is claimed with `select_for_update(skip_locked=True)`, so a worker
skips the rows another one holds, and a row anonymised by one is no longer due for the other.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event

from ..models import STATUS_CHANGED, Application, Assessment, Award, Document, Score, Status

log = logging.getLogger(__name__)

ENDED_UNSUCCESSFULLY = (Status.INELIGIBLE, Status.DECLINED, Status.WITHDRAWN)
BATCH_SIZE = 100


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year - years, day=28)


def due_for_anonymisation(now: datetime.datetime | None = None) -> QuerySet[Application]:
    cutoff = years_before(now or timezone.now(), settings.ANONYMISE_UNSUCCESSFUL_AFTER_YEARS)
    # When the application reached the status it has now: the latest move into it.
    ended_at = Subquery(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(Application),
            object_id=OuterRef("pk"),
            action=STATUS_CHANGED,
        )
        .alias(to_status=KT("after__status"))
        .filter(to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )
    return (
        Application.objects.filter(anonymised_at__isnull=True)
        .annotate(ended_at=ended_at)
        .filter(
            Q(status__in=ENDED_UNSUCCESSFULLY, ended_at__lte=cutoff)
            | Q(status=Status.DRAFT, round__closes_at__lte=cutoff)
        )
        # Belt and braces: anything with an award is a successful application, whatever its status says.
        .exclude(Exists(Award.objects.filter(application=OuterRef("pk"))))
    )


def anonymise_unsuccessful_applications(
    now: datetime.datetime | None = None, *, batch_size: int = BATCH_SIZE
) -> int:
    """Anonymise every application that is due; returns how many this call anonymised. A second run finds none."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            # of=("self",): lock only the applications, never their rounds, or a second worker would skip a whole
            # round's applications while the first one holds the round row.
            batch = list(
                due_for_anonymisation(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:batch_size]
            )
            for application in batch:
                _anonymise(application, now)
        done += len(batch)
        if len(batch) < batch_size:
            break
    if done:
        log.info("Anonymised %s unsuccessful applications", done)
    return done


def _anonymise(application: Application, now: datetime.datetime) -> None:
    """The caller holds the row lock on `application` inside a transaction."""
    documents = list(Document.objects.filter(application=application).only("pk", "file"))
    storage = Document._meta.get_field("file").storage
    names = [d.file.name for d in documents if d.file.name]
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    # Files go once the rows are gone for good: a rolled-back batch must not leave rows pointing at missing files.
    transaction.on_commit(lambda: _delete_files(storage, names))

    application.budget_items.update(description="")
    application.information_requests.update(question="", response="")
    Assessment.objects.filter(application=application).exclude(conflict_details="").update(
        conflict_details=""
    )
    Score.objects.filter(assessment__application=application).exclude(comment="").update(comment="")
    # The audit trail keeps who moved the application, when, from and to; the free-text reason goes with the rest.
    AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=application.pk,
        action=STATUS_CHANGED,
    ).exclude(note="").update(note="")

    application.contact_name = ""
    application.contact_phone = ""
    application.project_title = ""
    application.project_summary = ""
    application.answers = {}
    application.declared_by_name = ""
    application.drafts = {}
    # An abandoned draft's task list would otherwise say "Completed" over sections that are now empty.
    application.completed_tasks = []
    application.anonymised_at = now
    application.save(
        update_fields=[
            "contact_name",
            "contact_phone",
            "project_title",
            "project_summary",
            "answers",
            "declared_by_name",
            "drafts",
            "completed_tasks",
            "anonymised_at",
            "updated_at",
        ]
    )
    record_event(
        "application.anonymised",
        obj=application,
        by=None,
        after={
            "status": application.status,
            "documents_deleted": len(documents),
            "after_years": settings.ANONYMISE_UNSUCCESSFUL_AFTER_YEARS,
        },
    )


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # the row is gone either way; a file left behind is logged so someone can remove it
            log.exception("Could not delete anonymised document file %s", name)
