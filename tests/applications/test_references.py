"""Application references come from a counter that only goes up: nothing deleted, anonymised, loaded or racing can
make two applications share one."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from applications import demo, services
from applications.models import Application, ReferenceCounter, Status
from tests.applications.factories import (
    OrganisationFactory,
    RoundFactory,
    complete_application,
    member_of,
    pdf,
    submitted_application,
)
from tests.concurrency import race, refused, succeeded

pytestmark = pytest.mark.django_db


def _finish_every_task(application):
    application.contact_name, application.contact_phone = "Demo Applicant", "024 7696 0000"
    application.amount_requested = 1000
    application.project_summary = "Volunteers walk children to school."
    application.answers = demo.demo_answers(application.round, 2)
    application.declared_by_name = "Demo Applicant"
    application.completed_tasks = [task for task, _ in application.tasks]
    application.save()
    application.budget_items.create(order=1, description="Hi-vis vests", amount=1000)
    for kind in ("governing_document", "safeguarding_policy", "accounts"):
        services.save_document(
            application=application, kind=kind, upload=pdf(f"{kind}.pdf"), by=application.created_by
        )


def test_the_demo_applicant_can_submit_the_draft_in_the_open_round(demo_grants, client):
    draft = Application.objects.get(
        round__slug="helping-communities-reserve-round",
        status=Status.DRAFT,
        organisation__memberships__user__email=demo.APPLICANT_EMAIL,
    )
    _finish_every_task(draft)
    used = set(Application.objects.exclude(reference=None).values_list("reference", flat=True))
    client.force_login(draft.created_by)

    response = client.post(reverse("applications:check", args=[draft.pk]))

    assert response.status_code == 302 and response.url == reverse(
        "applications:confirmation", args=[draft.pk]
    )
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.reference == "HCR-2425-00010"  # after the demo's own HCR-2425-00002 to 00009
    assert draft.reference not in used


def test_loading_the_demo_twice_leaves_the_counter_after_its_highest_reference(demo_grants):
    demo.load()  # the second time: demo_grants loaded it once
    assert ReferenceCounter.objects.get(stem="HCR-2425-").last_number == 9
    assert ReferenceCounter.objects.get(stem="HCF-2425-").last_number == 52


def test_a_deleted_application_does_not_give_its_number_to_the_next_submission():
    round_ = RoundFactory()
    first, second = submitted_application(round_=round_), submitted_application(round_=round_)
    assert (first.reference, second.reference) == ("HCF-2425-00001", "HCF-2425-00002")
    # Gone for good (say an administrator removed a test entry): "how many there are + 1" would give 00002 again.
    Application.objects.filter(pk=first.pk).delete()

    third = submitted_application(round_=round_)

    assert third.reference == "HCF-2425-00003"


def test_two_rounds_sharing_a_prefix_in_one_year_never_collide():
    spring = RoundFactory(reference_prefix="VF")
    autumn = RoundFactory(reference_prefix="VF", budget=spring.budget)
    references = [submitted_application(round_=r).reference for r in (spring, autumn, spring, autumn)]
    assert references == ["VF-2425-00001", "VF-2425-00002", "VF-2425-00003", "VF-2425-00004"]


def test_the_counter_starts_after_references_stored_before_it_existed():
    round_ = RoundFactory()
    complete_application(
        round_=round_, status=Status.SUBMITTED, reference="HCF-2425-00041", submitted_at="2024-06-01T12:00Z"
    )
    assert submitted_application(round_=round_).reference == "HCF-2425-00042"


def test_the_migration_seeds_each_counter_from_the_highest_number_not_the_count():
    round_ = RoundFactory()
    organisation = OrganisationFactory(area=round_.areas.first())
    user = member_of(organisation)
    for reference in ("HCF-2425-00007", "HCF-2425-00003", "VF-2425-00012", "OLD-REF"):
        Application.objects.create(
            round=round_,
            organisation=organisation,
            created_by=user,
            reference=reference,
            status=Status.SUBMITTED,
            submitted_at="2024-06-01T12:00Z",
        )
    migration = importlib.import_module("applications.migrations.0007_reference_counter")

    migration.seed_counters(apps, None)

    assert dict(ReferenceCounter.objects.values_list("stem", "last_number")) == {
        "HCF-2425-": 7,
        "VF-2425-": 12,
    }


def test_a_loader_that_writes_references_itself_moves_the_counter_past_them():
    round_ = RoundFactory()
    assert services.reserve_reference("HCF-2425-") == "HCF-2425-00001"
    services.note_references_used(["HCF-2425-00030", "HCF-2425-00007", "not a reference"])
    services.note_references_used(["HCF-2425-00002"])  # never moves a counter back
    assert submitted_application(round_=round_).reference == "HCF-2425-00031"


@pytest.mark.django_db(transaction=True)
def test_racing_submissions_in_one_round_get_different_references():
    round_ = RoundFactory()
    drafts = [complete_application(round_=round_) for _ in range(2)]

    outcomes = race(
        [lambda a=a: services.submit_application(application_id=a.pk, by=a.created_by) for a in drafts]
    )

    assert not refused(outcomes) and len(succeeded(outcomes)) == 2
    assert sorted(Application.objects.values_list("reference", flat=True)) == [
        "HCF-2425-00001",
        "HCF-2425-00002",
    ]


@pytest.mark.django_db(transaction=True)
def test_racing_submissions_in_two_rounds_sharing_a_prefix_get_different_references():
    spring = RoundFactory(reference_prefix="VF")
    autumn = RoundFactory(reference_prefix="VF", budget=spring.budget)
    drafts = [complete_application(round_=r) for r in (spring, autumn, spring, autumn)]

    outcomes = race(
        [lambda a=a: services.submit_application(application_id=a.pk, by=a.created_by) for a in drafts]
    )

    assert not refused(outcomes)
    references = sorted(Application.objects.values_list("reference", flat=True))
    assert references == [f"VF-2425-{n:05d}" for n in range(1, 5)]


def test_scale_data_leaves_every_counter_at_its_highest_reference(full_demo):
    # On the session's demo (what generate() would otherwise load first, a minute of the run), as the benchmark runs.
    from benchmarks.scale_data import generate

    generate(applications=60, organisations=10, returns=10, seed=3, out=lambda text: None)
    counters = dict(ReferenceCounter.objects.values_list("stem", "last_number"))
    stems = {
        services.split_reference(r)[0]
        for r in Application.objects.exclude(reference=None).values_list("reference", flat=True)
    }
    assert stems and all(counters[stem] == services.highest_number_used(stem) for stem in stems)
