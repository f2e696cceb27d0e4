"""Sign-up with email verification. Sign-in and password reset are Django's own views with GOV.UK templates.

A sign-up can carry `next` (for example an invitation link): it travels inside the verification link, because that
link is often opened in another browser or on another device, and the confirmed person lands there signed in.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode, urlsafe_base64_encode

from .forms import SignUpForm
from .models import User
from .tokens import email_verification_token


class SignInView(LoginView):
    template_name = "accounts/login.html"


def _safe_next(request, target: str | None) -> str:
    """`target` if it is a path on this site, else "": never send someone on to another site after signing up."""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _send_verification(request, user: User, next_url: str = "") -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = request.build_absolute_uri(reverse("accounts:verify", args=[uid, email_verification_token.make_token(user)]))
    if next_url:
        link += "?" + urlencode({"next": next_url})
    body = render_to_string("accounts/email/verify.txt", {"user": user, "link": link})
    send_mail("Confirm your email address for PCC Grants", body, None, [user.email])


@login_not_required
def sign_up(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    # An invitation link passes the invited address, so the account is made for the address the invitation expects.
    form = SignUpForm(request.POST if request.method == "POST" else None,
                      initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            # An earlier sign-up that was never confirmed is replaced rather than blocking the address.
            User.objects.filter(email=data["email"], is_active=False, last_login__isnull=True).delete()
            user = User.objects.create_user(data["email"], data["password"], full_name=data["full_name"],
                                            is_active=False)
        _send_verification(request, user, next_url)
        request.session["signed_up_email"] = user.email
        return redirect("accounts:check_email")
    return render(request, "accounts/sign_up.html", {"form": form, "next": next_url})


@login_not_required
def check_email(request):
    return render(request, "accounts/check_email.html", {"email": request.session.get("signed_up_email", "")})


@login_not_required
def verify(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not email_verification_token.check_token(user, token):
        return render(request, "accounts/verify_failed.html", status=200)
    user.is_active = True
    user.save(update_fields=["is_active"])
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0] if hasattr(settings, "AUTHENTICATION_BACKENDS")
          else "django.contrib.auth.backends.ModelBackend")
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        messages.success(request, "Your email address is confirmed and you are signed in")
        return redirect(next_url)
    return render(request, "accounts/verified.html")
