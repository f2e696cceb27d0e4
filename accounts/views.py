"""Sign-up with email verification; sign-in (Django's view, throttled by django-axes) and staff two-factor
authentication. Password reset is Django's own view with GOV.UK templates.

A sign-up can carry `next` (for example an invitation link): it travels inside the verification link, because that
link is often opened in another browser or on another device, and the confirmed person lands there signed in.
"""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, PasswordResetConfirmView
from django.core.mail import send_mail
from django.db import IntegrityError
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from audit.services import record_event
from core.ratelimit import ratelimit, too_many_requests

from . import services, two_factor
from .forms import RecoveryCodeForm, SecurityCodeForm, SignInForm, SignUpForm
from .models import User
from .tokens import email_verification_token

# The account that gave its right password but has not confirmed its email address yet: "send the link again"
# sends to this one only, so the button cannot be used to send mail to any address someone types.
UNCONFIRMED_SESSION_KEY = "sign_in_unconfirmed_user"


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm

    def form_invalid(self, form):
        if form.unconfirmed_user is not None:
            self.request.session[UNCONFIRMED_SESSION_KEY] = form.unconfirmed_user.pk
        return super().form_invalid(form)

    def get_success_url(self):
        # Staff go on to their second factor before anything else; the middleware would send them there anyway,
        # but going straight there keeps `next` and saves a redirect.
        url = super().get_success_url()
        if two_factor.needs_two_factor(self.request.user) and not two_factor.is_verified(self.request):
            return two_factor.second_factor_url(self.request.user, url)
        return url


class ResetPasswordView(PasswordResetConfirmView):
    """Django's "choose a new password" page, which also lifts a sign-in lockout on that address: the lockout page
    offers a password reset as the way on, and whoever opened the emailed link has shown the address is theirs."""

    def form_valid(self, form):
        from axes.utils import reset as reset_sign_in_attempts

        response = super().form_valid(form)
        reset_sign_in_attempts(username=form.user.email)
        return response


def _safe_next(request, target: str | None) -> str:
    """`target` if it is a path on this site, else "": never send someone on to another site after signing up."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _requested_next(request) -> str:
    """The `next` the form posted or the link carried, if it is safe to follow."""
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _send_verification(request, user: User, next_url: str = "") -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = request.build_absolute_uri(
        reverse("accounts:verify", args=[uid, email_verification_token.make_token(user)])
    )
    if next_url:
        link += "?" + urlencode({"next": next_url})
    body = render_to_string("accounts/email/verify.txt", {"user": user, "link": link})
    send_mail("Confirm your email address for PCC Grants", body, None, [user.email])


@login_not_required
@ratelimit("sign_up", key="ip", what="Too many accounts have been created from your internet connection.")
def sign_up(request):
    next_url = _requested_next(request)
    # An invitation link passes the invited address, so the account is made for the address the invitation expects.
    form = SignUpForm(
        request.POST if request.method == "POST" else None, initial={"email": request.GET.get("email", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.sign_up(
                email=data["email"], password=data["password"], full_name=data["full_name"]
            )
        except IntegrityError:
            # The second of two sign-ups for one new address at the same moment is told what the form would have
            # told it a moment later.
            form.add_error("email", SignUpForm.ADDRESS_TAKEN)
        else:
            _send_verification(request, user, next_url)
            request.session["signed_up_email"] = user.email
            return redirect("accounts:check_email")
    return render(request, "accounts/sign_up.html", {"form": form, "next": next_url})


@login_not_required
@require_POST
@ratelimit(
    "sign_up",
    key="ip",
    what="Too many confirmation emails have been asked for from your internet connection.",
)
def send_link_again(request):
    """The button on the sign-in page for an account that gave its right password but is not confirmed yet."""
    user = User.objects.filter(pk=request.session.get(UNCONFIRMED_SESSION_KEY)).first()
    if user is None or not user.awaiting_verification:
        return redirect("accounts:login")
    _send_verification(request, user, _requested_next(request))
    request.session["signed_up_email"] = user.email
    return redirect("accounts:check_email")


@login_not_required
def check_email(request):
    return render(request, "accounts/check_email.html", {"email": request.session.get("signed_up_email", "")})


@login_not_required
def verify(request, uidb64, token):
    try:
        user_id = force_str(urlsafe_base64_decode(uidb64))
    except (ValueError, TypeError, OverflowError):
        user_id = None
    user = services.confirm_email(user_id=user_id, token=token) if user_id is not None else None
    if user is None:
        return render(request, "accounts/verify_failed.html", status=200)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        messages.success(request, "Your email address is confirmed and you are signed in")
        return redirect(next_url)
    return render(request, "accounts/verified.html")


# --- staff two-factor authentication ----------------------------------------------------------------------------

NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"


def _next_or_default(request) -> str:
    return _requested_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _locked(request, seconds: int):
    return too_many_requests(request, seconds, what="You have entered a wrong code too many times.")


def _code_page(request, *, form_class, template, check):
    """Shared by the authenticator-code and recovery-code pages: throttle, check, then mark the session verified."""
    if not two_factor.needs_two_factor(request.user) or two_factor.is_verified(request):
        return redirect(_next_or_default(request))
    device = two_factor.device_for(request.user)
    if device is None or not device.confirmed:
        return redirect(
            two_factor.second_factor_url(request.user, _safe_next(request, request.GET.get("next")))
        )
    if seconds := two_factor.locked_for(request.user):
        return _locked(request, seconds)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        problem = check(device, form.cleaned_data["code"])
        if problem is None:
            two_factor.clear_failures(request.user)
            two_factor.mark_verified(request)
            return redirect(_next_or_default(request))
        if seconds := two_factor.record_failure(request.user):
            return _locked(request, seconds)
        form.add_error("code", problem)
    return render(request, template, {"form": form, "next": _requested_next(request)})


def two_factor_verify(request):
    def check(device, code):
        if two_factor.use_code(device, code):
            return None
        if two_factor.matching_step(device.secret, code) is not None:
            return "That code has already been used. Wait for your app to show a new code, then enter it"
        return "The security code is not right. Enter the code your authenticator app shows now"

    return _code_page(
        request, form_class=SecurityCodeForm, template="accounts/two_factor_verify.html", check=check
    )


def two_factor_recovery(request):
    def check(device, code):
        if two_factor.use_recovery_code(device, code):
            left = two_factor.unused_recovery_codes(device)
            messages.warning(
                request,
                f"You have {left} recovery code{'s' if left != 1 else ''} left. "
                "Create new ones if you are running out",
            )
            return None
        return "The recovery code is not right, or it has already been used"

    return _code_page(
        request, form_class=RecoveryCodeForm, template="accounts/two_factor_recovery.html", check=check
    )


def two_factor_setup(request):
    if not two_factor.needs_two_factor(request.user):
        return redirect(_next_or_default(request))
    next_url = _requested_next(request)
    device = two_factor.start_setup(request.user)
    if device.confirmed:
        # Replacing a confirmed app is a superuser's reset, never a signed-in session's: otherwise a stolen
        # password alone could swap the app for the attacker's.
        return redirect(
            _next_or_default(request)
            if two_factor.is_verified(request)
            else two_factor.second_factor_url(request.user, next_url)
        )
    if seconds := two_factor.locked_for(request.user):
        return _locked(request, seconds)
    form = SecurityCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_device(device, form.cleaned_data["code"])
        if codes is not None:
            two_factor.clear_failures(request.user)
            two_factor.mark_verified(request)
            record_event("two_factor.set_up", obj=request.user, by=request.user)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return redirect(
                f"{reverse('accounts:recovery_codes')}?{urlencode({'next': next_url})}"
                if next_url
                else reverse("accounts:recovery_codes")
            )
        if seconds := two_factor.record_failure(request.user):
            return _locked(request, seconds)
        form.add_error(
            "code",
            "The security code is not right. Check you added the key to your app, then enter "
            "the code it shows now",
        )
    uri = two_factor.provisioning_uri(device.secret, request.user.email)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": mark_safe(two_factor.qr_svg(uri)),
            "key": two_factor.grouped(device.secret),
        },
    )


def recovery_codes(request):
    """The new codes, shown once: they are taken out of the session as the page is drawn."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("accounts:new_recovery_codes")
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_or_default(request)}
    )


def new_recovery_codes(request):
    if not two_factor.needs_two_factor(request.user) or not two_factor.has_confirmed_device(request.user):
        return redirect(_next_or_default(request))
    device = two_factor.device_for(request.user)
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = two_factor.replace_recovery_codes(device)
        record_event("two_factor.recovery_codes_replaced", obj=request.user, by=request.user)
        return redirect("accounts:recovery_codes")
    return render(
        request, "accounts/new_recovery_codes.html", {"unused": two_factor.unused_recovery_codes(device)}
    )


def sign_in_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): a GOV.UK page, 429, when to try again and ways on.

    The lock lasts AXES_COOLOFF_TIME from the last attempt axes counted, so the wait shown is what is left of it. With
    AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT (axes' default) every attempt while locked is counted and starts the
    wait again, and the page says so.
    """
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt
    from django.utils import timezone

    from .backends import axes_username

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 30 * 60
    last = (
        AccessAttempt.objects.filter(
            username=axes_username(request, credentials), ip_address=getattr(request, "axes_ip_address", None)
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is not None and cool_off:
        left = (last + cool_off - timezone.now()).total_seconds()
        seconds = max(1, min(seconds, math.ceil(left)))
    return too_many_requests(
        request,
        seconds,
        extra={"for_sign_in": True, "wait_restarts": settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT},
        what="There have been too many attempts to sign in with a wrong password.",
    )
