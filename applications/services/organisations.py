import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from outbox.services import send_after_commit

from ..models import Invitation, Membership, Organisation

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def create_organisation(*, owner: "User", **fields: object) -> Organisation:
    organisation = Organisation.objects.create(**fields)
    Membership.objects.create(organisation=organisation, user=owner, role=Membership.Role.OWNER)
    return organisation


@transaction.atomic
def invite_member(
    *, organisation: Organisation, email: str, by: "User", role: str = Membership.Role.MEMBER
) -> Invitation:
    if not organisation.memberships.filter(user=by, role=Membership.Role.OWNER).exists():
        raise PermissionError("Only an owner can invite people to this organisation.")
    invitation = Invitation.objects.create(
        organisation=organisation, email=email.lower(), role=role, invited_by=by
    )
    send_after_commit("applications.tasks.send_invitation", invitation.pk)
    return invitation


@transaction.atomic
def accept_invitation(*, token: uuid.UUID, user: "User") -> Membership:
    """An invitation is for one email address and is used once."""
    invitation = Invitation.objects.select_for_update().get(token=token, accepted_at__isnull=True)
    if invitation.email.lower() != user.email.lower():
        raise PermissionError(
            f"This invitation was sent to {invitation.email}. Sign in with that email address to accept it."
        )
    membership, _ = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership
