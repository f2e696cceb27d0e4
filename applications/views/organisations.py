from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .. import selectors, services
from ..forms import InviteForm, OrganisationForm
from ..models import Invitation, Membership


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def organisation_create(request):
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        organisation = services.create_organisation(owner=request.user, **form.cleaned_data)
        messages.success(request, f"{organisation.name} has been added")
        return redirect(_safe_next(request, "applications:dashboard"))
    return render(
        request, "applications/organisation_form.html", {"form": form, "next": request.GET.get("next", "")}
    )


def organisation_detail(request, pk):
    organisation = get_object_or_404(selectors.organisations_of(request.user), pk=pk)
    is_owner = organisation.memberships.filter(user=request.user, role=Membership.Role.OWNER).exists()
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not is_owner:
            return redirect("applications:organisation", pk=pk)
        if form.is_valid():
            services.invite_member(organisation=organisation, by=request.user, **form.cleaned_data)
            messages.success(request, f"We have emailed an invitation to {form.cleaned_data['email']}")
            return redirect("applications:organisation", pk=pk)
    return render(
        request,
        "applications/organisation_detail.html",
        {
            "organisation": organisation,
            "is_owner": is_owner,
            "form": form,
            "memberships": organisation.memberships.select_related("user"),
            "invitations": organisation.invitations.filter(accepted_at__isnull=True),
        },
    )


@login_not_required
def accept_invitation(request, token):
    """Open to anyone holding the link, because the person invited may not have an account yet: they are sent through
    sign-up (or sign-in) and brought back here to accept it. Accepting needs them signed in as the invited address."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation"), token=token, accepted_at__isnull=True
    )
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        here = request.get_full_path()
        return render(
            request,
            "applications/invitation.html",
            {
                "invitation": invitation,
                "sign_up_url": reverse("accounts:sign_up")
                + "?"
                + urlencode({"next": here, "email": invitation.email}),
                "sign_in_url": reverse("accounts:login") + "?" + urlencode({"next": here}),
            },
        )
    if request.method == "POST":
        try:
            services.accept_invitation(token=token, user=request.user)
        except PermissionError as exc:
            return render(
                request, "applications/invitation.html", {"invitation": invitation, "error": str(exc)}
            )
        messages.success(request, f"You are now a member of {invitation.organisation.name}")
        return redirect("applications:dashboard")
    return render(request, "applications/invitation.html", {"invitation": invitation})
