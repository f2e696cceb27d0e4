"""Scale data is consistent: the counts asked for, members for every organisation, awards that never over-commit a
line or a pot, and returns that belong to a provider's services, in the periods those services run."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q

from applications.models import Application, Award, Organisation, Round, Status
from benchmarks.scale_data import ScaleDataError, generate, money_problems
from funds import selectors
from funds.models import Budget, BudgetLine, Commitment
from providers.models import MonitoringReturn, Service
from tests.demo_database import use_database

pytestmark = pytest.mark.django_db

SIZE = {"applications": 400, "organisations": 40, "returns": 150}


@pytest.fixture(scope="module")
def scale(django_db_setup, django_db_blocker, demo_templates):
    """Generated once for the module (it takes a while), inside a transaction rolled back at the end; each test
    runs in a savepoint within it, so what one test adds the next does not see. On the session's demo database
    (tests/demo_database.py): generate() would otherwise load the same demo first, a minute of the run."""
    demo = demo_templates.get("full")
    base = connection.settings_dict["NAME"]
    with django_db_blocker.unblock():
        use_database(demo.database)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield generate(**SIZE, seed=7, out=lambda text: None)
            transaction.set_rollback(True)
    finally:
        with django_db_blocker.unblock():
            use_database(base)


def scale_applications():
    return Application.objects.filter(round__slug__startswith="scale-1-")


def test_it_makes_the_numbers_asked_for(scale):
    assert scale_applications().count() == 400
    assert Organisation.objects.filter(name__endswith="(scale)").count() == 40
    assert MonitoringReturn.objects.filter(service__name__startswith="Scale service 1-").count() == 150
    assert scale["counts"]["monitoring returns"] == 150


def test_every_organisation_applies_and_has_members(scale):
    organisations = Organisation.objects.filter(name__endswith="(scale)").annotate(
        apps=Count("applications", distinct=True), members=Count("memberships", distinct=True)
    )
    assert not organisations.filter(apps=0).exists()
    assert not organisations.filter(members=0).exists()
    assert not scale_applications().filter(organisation__memberships__isnull=True).exists()


def test_applications_cover_every_status_with_budgets_that_add_up(scale):
    statuses = set(scale_applications().values_list("status", flat=True))
    assert statuses == set(Status.values)
    submitted = scale_applications().exclude(submitted_at=None)
    for application in submitted.prefetch_related("budget_items")[:100]:
        assert sum(i.amount for i in application.budget_items.all()) == application.amount_requested
    references = list(submitted.values_list("reference", flat=True))
    assert len(references) == len(set(references))


def test_references_carry_on_from_where_the_generator_left_each_round(scale):
    # submit_application numbers the next one count + 1, so each round's numbers must run 1..count with no
    # gap.
    for round_ in Round.objects.filter(slug__startswith="scale-1-"):
        numbers = sorted(
            int(r.rsplit("-", 1)[1])
            for r in round_.applications.exclude(reference=None).values_list("reference", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))


def test_awards_never_over_commit_a_line_or_a_pot(scale):
    lines = selectors.with_line_totals(
        BudgetLine.objects.filter(budget__rounds__slug__startswith="scale-1-").distinct()
    )
    assert lines.exists()
    assert not [ln for ln in lines if ln.committed > ln.amount]
    budgets = selectors.with_budget_totals(
        Budget.objects.filter(rounds__slug__startswith="scale-1-").distinct()
    )
    assert all(b.remaining >= 0 and not b.overallocated for b in budgets)
    assert money_problems() == []


def test_approved_awards_are_committed_exactly_as_finance_approval_would(scale):
    approved = Award.objects.filter(application__round__slug__startswith="scale-1-").exclude(
        status=Award.Status.AWAITING_FINANCE
    )
    assert approved.exists()
    assert not approved.filter(
        Q(commitment=None) | ~Q(commitment__amount=F("amount")) | ~Q(commitment__line=F("line"))
    ).exists()
    for award in approved.select_related("commitment", "application")[:50]:
        assert award.commitment.committed_for == award
        cancelled = award.status == Award.Status.CANCELLED
        assert award.application.status == (Status.AWARD_CANCELLED if cancelled else Status.AWARDED)
        assert (award.commitment.released_at is not None) == cancelled
    # Cancelling an award released its commitment: the generator makes a few, as finance would.
    assert approved.filter(status=Award.Status.CANCELLED, commitment__released_at__isnull=False).exists()
    waiting = Award.objects.filter(
        application__round__slug__startswith="scale-1-", status=Award.Status.AWAITING_FINANCE
    )
    assert not waiting.exclude(application__status=Status.APPROVED).exists()
    assert (
        Commitment.objects.filter(content_type__model="award").count()
        == approved.count()
        + Award.objects.exclude(application__round__slug__startswith="scale-1-")
        .exclude(status=Award.Status.AWAITING_FINANCE)
        .count()
    )


def test_returns_belong_to_providers_services_in_the_years_they_run(scale):
    returns = MonitoringReturn.objects.filter(service__name__startswith="Scale service 1-")
    assert not returns.filter(service__provider__memberships__isnull=True).exists()
    assert not returns.exclude(period__template=F("service__template")).exists()
    assert not returns.filter(
        Q(period__year__start_year__lt=F("service__start_year__start_year"))
        | Q(period__year__start_year__gt=F("service__end_year__start_year"))
    ).exists()
    assert returns.filter(status__in=MonitoringReturn.OPEN).exists()
    assert returns.filter(status=MonitoringReturn.Status.ACCEPTED).exists()
    assert Service.objects.filter(name__startswith="Scale service 1-").count() > 1


def test_a_second_run_is_refused_unless_forced(scale):
    with pytest.raises(ScaleDataError, match="already has scale data"):
        generate(**SIZE, seed=7, out=lambda text: None)
    second = generate(applications=20, organisations=2, returns=0, seed=7, force=True, out=lambda text: None)
    assert second["batch"] == 2
    assert Application.objects.filter(round__slug__startswith="scale-2-").count() == 20
    assert money_problems() == []


def test_the_command_reports_a_refusal_as_a_message(scale):
    with pytest.raises(CommandError, match="pass --force"):
        call_command("generate_scale_data", applications=10, organisations=1, returns=0)


def test_assessed_applications_have_the_score_the_staff_list_shows(scale):
    from tests.applications.test_scoring import assert_stored_scores_match_the_old_formula

    assessed = scale_applications().filter(assessments__completed_at__isnull=False).distinct()
    assert assessed.exists() and not assessed.filter(score=None).exists()
    assert_stored_scores_match_the_old_formula()
