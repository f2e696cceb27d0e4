"""Sign-up with email verification. Sign-in and password reset are Django's own views with GOV.UK templates."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .forms import SignUpForm
from .models import User
from .tokens import email_verification_token


class SignInView(LoginView):
    template_name = "accounts/login.html"


def _send_verification(request, user: User) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = request.build_absolute_uri(reverse("accounts:verify", args=[uid, email_verification_token.make_token(user)]))
    body = render_to_string("accounts/email/verify.txt", {"user": user, "link": link})
    send_mail("Confirm your email address for PCC Grants", body, None, [user.email])


@login_not_required
def sign_up(request):
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            # An earlier sign-up that was never confirmed is replaced rather than blocking the address.
            User.objects.filter(email=data["email"], is_active=False, last_login__isnull=True).delete()
            user = User.objects.create_user(data["email"], data["password"], full_name=data["full_name"],
                                            is_active=False)
        _send_verification(request, user)
        request.session["signed_up_email"] = user.email
        return redirect("accounts:check_email")
    return render(request, "accounts/sign_up.html", {"form": form})


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
    return render(request, "accounts/verified.html")
