"""Every write to accounts that carries a rule: signing up, confirming an address, resetting two-factor.

Views and the admin call these; the codes and devices themselves are accounts.two_factor's.
"""

from django.db import transaction

from audit.services import record_event

from .models import TwoFactorDevice, User
from .tokens import email_verification_token


class NotAllowed(Exception):
    """The person asking may not do this; the message says so."""


@transaction.atomic
def sign_up(*, email: str, password: str, full_name: str) -> User:
    """A new account, switched off until its address is confirmed.

    IntegrityError if another sign-up took the address at the same moment: both pass the form's check, and the unique
    index stops the second.
    """
    # An earlier sign-up that was never confirmed is replaced rather than blocking the address.
    User.objects.with_email(email).filter(is_active=False, last_login__isnull=True).delete()
    return User.objects.create_user(email, password, full_name=full_name, is_active=False)


def confirm_email(*, user_id: int | str, token: str) -> User | None:
    """Switch on the account the emailed link is for; None if the link is not (or no longer) good for one."""
    try:
        user = User.objects.get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    # An inactive account that has signed in before was switched off by staff: an old link must not switch it on.
    if not user.awaiting_verification or not email_verification_token.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def reset_two_factor(*, user_ids: list[int], by: User) -> int:
    """The way back for someone who has lost their phone and their recovery codes: their authenticator app and
    recovery codes go, and they set up a new app at their next sign-in. Superusers only, and audited.

    Returns how many of the users had two-factor set up.
    """
    if not by.is_superuser:
        raise NotAllowed("Only a superuser can reset two-factor authentication")
    count = 0
    for user in User.objects.filter(pk__in=user_ids):
        device = TwoFactorDevice.objects.filter(user=user).first()
        if device is None:
            continue
        before = {"confirmed_at": device.confirmed_at.isoformat() if device.confirmed_at else None}
        device.delete()
        record_event(
            "two_factor.reset",
            obj=user,
            by=by,
            before=before,
            after=None,
            note="Authenticator app and recovery codes removed from the admin",
        )
        count += 1
    return count
