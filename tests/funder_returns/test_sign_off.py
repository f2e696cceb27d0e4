"""Draft → ready for sign-off → signed off by the Chief Finance Officer, never by whoever prepared it; once signed,
the return is what was signed, whatever happens to the provider returns behind it."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.selectors import trail_of
from funder_returns import services
from funder_returns.models import FunderReturn
from providers.models import MonitoringReturn, ReturnValue

pytestmark = pytest.mark.django_db
S = FunderReturn.Status


def ready(world, by=None):
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=by or world.commissioner
    )
    return services.move(return_id=funder_return.pk, to_status=S.READY, by=by or world.commissioner)


def test_the_chief_finance_officer_signs_off_a_return_someone_else_prepared(world):
    funder_return = services.move(return_id=ready(world).pk, to_status=S.SIGNED_OFF, by=world.cfo)

    funder_return.refresh_from_db()
    assert funder_return.status == S.SIGNED_OFF
    assert funder_return.signed_off_by == world.cfo
    assert funder_return.signed_off_at is not None


@pytest.mark.parametrize("who", ["commissioner", "finance", "auditor"])
def test_nobody_but_the_chief_finance_officer_signs_off(world, who):
    funder_return = ready(world)
    with pytest.raises(services.FunderReturnError, match="permission"):
        services.move(return_id=funder_return.pk, to_status=S.SIGNED_OFF, by=getattr(world, who))
    funder_return.refresh_from_db()
    assert funder_return.status == S.READY


def test_the_chief_finance_officer_cannot_sign_off_a_return_they_prepared(world):
    funder_return = ready(world, by=world.cfo)

    with pytest.raises(
        services.FunderReturnError, match="You prepared this return, so someone else must sign"
    ):
        services.move(return_id=funder_return.pk, to_status=S.SIGNED_OFF, by=world.cfo)


def test_the_database_refuses_a_return_signed_off_by_its_preparer(world):
    funder_return = ready(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        FunderReturn.objects.filter(pk=funder_return.pk).update(
            status=S.SIGNED_OFF, signed_off_by=world.commissioner, signed_off_at=funder_return.prepared_at
        )


def test_a_draft_cannot_be_signed_off_before_it_is_sent_for_sign_off(world):
    funder_return = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
    )
    with pytest.raises(services.FunderReturnError, match="“draft” cannot be signed off"):
        services.move(return_id=funder_return.pk, to_status=S.SIGNED_OFF, by=world.cfo)


def test_a_return_sent_back_to_draft_can_be_built_again(world):
    funder_return = ready(world)
    services.move(return_id=funder_return.pk, to_status=S.DRAFT, by=world.cfo)

    again = services.prepare_return(
        template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.finance
    )

    assert again.pk == funder_return.pk
    assert again.prepared_by == world.finance


def test_a_return_waiting_for_sign_off_is_not_built_again(world):
    ready(world)
    with pytest.raises(services.FunderReturnError, match="Send it back to draft first"):
        services.prepare_return(
            template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.commissioner
        )


def test_each_move_is_in_the_audit_trail(world):
    funder_return = ready(world)
    services.move(return_id=funder_return.pk, to_status=S.SIGNED_OFF, by=world.cfo)

    events = [(e.action, (e.after or {}).get("status"), e.actor) for e in trail_of(funder_return)]
    assert events == [
        ("funder_return.prepared", None, world.commissioner),
        ("funder_return.status", S.READY, world.commissioner),
        ("funder_return.status", S.SIGNED_OFF, world.cfo),
    ]


def test_a_signed_off_return_keeps_its_figures_when_a_provider_return_is_amended(world):
    ret = world.accepted("Refuge", 1, {"new_victims": 10})
    world.accepted("Refuge", 2, {"new_victims": 12})
    funder_return = services.move(return_id=ready(world).pk, to_status=S.SIGNED_OFF, by=world.cfo)
    figure = funder_return.figures.get(question=world.questions["new_victims"])

    # The provider's Q1 return is reopened, its figure corrected and accepted again.
    MonitoringReturn.objects.filter(pk=ret.pk).update(status=MonitoringReturn.Status.CHANGES_REQUESTED)
    ReturnValue.objects.filter(monitoring_return=ret).update(number=Decimal(99))
    MonitoringReturn.objects.filter(pk=ret.pk).update(status=MonitoringReturn.Status.ACCEPTED)
    with pytest.raises(
        services.FunderReturnError, match="“signed off”, so its figures cannot be built again"
    ):
        services.prepare_return(
            template_id=world.template.pk, year_id=world.year.pk, period_code="H1", by=world.finance
        )

    figure.refresh_from_db()
    assert figure.value == Decimal(22)
    assert sorted(s.amount for s in figure.sources.all()) == [Decimal(10), Decimal(12)]
