"""accounts.services holds the account writes with a rule (sign-up, confirming an address, resetting two-factor), and
wrong two-factor codes are counted by core.ratelimit's one counter."""

import pytest

from accounts import services, two_factor
from accounts.models import TwoFactorDevice, User
from accounts.tokens import email_verification_token
from audit.models import AuditEvent
from core import ratelimit
from tests.accounts.helpers import confirmed_device
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signing_up_again_replaces_an_account_that_was_never_confirmed():
    first = services.sign_up(email="sam@example.org", password="correct-horse-battery", full_name="Sam")
    second = services.sign_up(
        email="Sam@Example.org", password="correct-horse-battery", full_name="Sam Jones"
    )
    assert not User.objects.filter(pk=first.pk).exists()
    assert list(User.objects.with_email("sam@example.org")) == [second]
    assert not second.is_active and second.full_name == "Sam Jones"


def test_signing_up_never_replaces_an_account_that_has_been_used():
    used = UserFactory(email="sam@example.org", is_active=False)
    User.objects.filter(pk=used.pk).update(last_login="2026-01-01T00:00Z")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        services.sign_up(email="sam@example.org", password="correct-horse-battery", full_name="Sam")
    assert User.objects.filter(pk=used.pk).exists()


def test_the_emailed_link_switches_the_new_account_on_once():
    user = services.sign_up(email="sam@example.org", password="correct-horse-battery", full_name="Sam")
    token = email_verification_token.make_token(user)
    assert services.confirm_email(user_id=user.pk, token=token) == user
    user.refresh_from_db()
    assert user.is_active
    assert services.confirm_email(user_id=user.pk, token=token) is None


def test_an_old_link_does_not_switch_on_an_account_staff_switched_off():
    user = services.sign_up(email="sam@example.org", password="correct-horse-battery", full_name="Sam")
    token = email_verification_token.make_token(user)
    User.objects.filter(pk=user.pk).update(last_login="2026-01-01T00:00Z")
    assert services.confirm_email(user_id=user.pk, token=token) is None
    assert not User.objects.get(pk=user.pk).is_active


@pytest.mark.parametrize("user_id", [None, "abc", 10**30])
def test_a_link_for_no_account_confirms_nothing(user_id):
    assert services.confirm_email(user_id=user_id, token="x-y") is None


def test_only_a_superuser_may_reset_two_factor_and_each_reset_is_audited():
    staff = UserFactory(is_staff=True)
    confirmed_device(staff)
    officer = UserFactory(is_staff=True)
    with pytest.raises(services.NotAllowed, match="Only a superuser can reset two-factor authentication"):
        services.reset_two_factor(user_ids=[staff.pk], by=officer)
    assert TwoFactorDevice.objects.filter(user=staff).exists()

    superuser = UserFactory(is_staff=True, is_superuser=True)
    assert services.reset_two_factor(user_ids=[staff.pk, officer.pk], by=superuser) == 1
    assert not TwoFactorDevice.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert (event.actor, event.object_id) == (superuser, staff.pk)


def test_the_counter_counts_from_its_first_count_and_can_be_forgotten():
    key = "test:counter"
    ratelimit.forget(key)
    assert [ratelimit.count_in(key, timeout=60) for _ in range(3)] == [1, 2, 3]
    ratelimit.forget(key)
    assert ratelimit.count_in(key, timeout=60) == 1


def test_wrong_codes_are_counted_by_the_shared_counter_and_the_fifth_locks():
    staff = UserFactory(is_staff=True)
    two_factor.clear_failures(staff)
    assert [two_factor.record_failure(staff) for _ in range(4)] == [0, 0, 0, 0]
    assert ratelimit.count_in(two_factor._failures_key(staff), timeout=60) == 5  # the fifth, counted here
    assert two_factor.locked_for(staff) == 0
    ratelimit.forget(two_factor._failures_key(staff))
    for _ in range(4):
        two_factor.record_failure(staff)
    assert two_factor.record_failure(staff) == two_factor.LOCK_SECONDS
    assert two_factor.locked_for(staff) > 0
