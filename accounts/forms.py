from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core import validators

from .models import User, normalise_email

WRONG_EMAIL_OR_PASSWORD = (
    "Enter the email address and password for your account. Check both are typed correctly"
)
NOT_CONFIRMED = "You need to confirm your email address before you can sign in"


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK messages, and one more: the right password for an account whose email address
    is not confirmed yet is told so, instead of "wrong password".

    Only the right password learns that: anyone else gets the same message whether or not the account exists.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": WRONG_EMAIL_OR_PASSWORD,
        "unconfirmed": NOT_CONFIRMED,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # AuthenticationForm sets max_length on the field but adds no validator, so a 10,000-character "email" reached
        # authenticate() and django-axes' varchar(255) username column: a 500. Refused here, before any look-up.
        longest = self.fields["username"].max_length or 254
        self.fields["username"].validators.append(validators.MaxLengthValidator(longest))
        self.fields["username"].error_messages["max_length"] = (
            f"Email address must be {longest} characters or fewer"
        )
        self.unconfirmed_user = None

    def clean_username(self):
        return normalise_email(self.cleaned_data.get("username"))

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as refused:
            if refused.code == "invalid_login":
                self.unconfirmed_user = self._unconfirmed_account()
                if self.unconfirmed_user is not None:
                    raise forms.ValidationError(
                        self.error_messages["unconfirmed"], code="unconfirmed"
                    ) from None
            raise

    def _unconfirmed_account(self) -> User | None:
        # A locked-out sign-in never reaches a password check, this one included (django-axes marks the request).
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return None
        try:
            user = User.objects.get_by_natural_key(self.cleaned_data.get("username"))
        except User.DoesNotExist:
            return None
        if user.awaiting_verification and user.check_password(self.cleaned_data.get("password") or ""):
            return user
        return None


class SignUpForm(forms.Form):
    ADDRESS_TAKEN = (
        "There is already an account with this email address. Sign in, or reset your password if you "
        "have forgotten it"
    )

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send a link to this address to check it is yours",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Create a password",
        help_text="Use at least 10 characters",
        error_messages={"required": "Enter a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        # Any account with this address in any case, except a sign-up that was never confirmed (the view replaces
        # it): an account staff switched off is still that person's, and a second one would break the unique index.
        taken = User.objects.with_email(email).exclude(is_active=False, last_login__isnull=True)
        if taken.exists():
            raise forms.ValidationError(self.ADDRESS_TAKEN)
        return email

    def clean(self):
        data = super().clean()
        if data.get("password"):
            candidate = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(data["password"], candidate)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class SecurityCodeForm(forms.Form):
    """The 6-digit code from an authenticator app. Whether it is right is checked by the view (it spends the code)."""

    code = forms.CharField(
        label="Security code",
        max_length=20,
        help_text="The 6-digit code shown in your authenticator app",
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not code.isdigit():
            raise forms.ValidationError("The security code must only include numbers 0 to 9")
        if len(code) != 6:
            raise forms.ValidationError("The security code must be 6 digits")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="One of the 10 codes you saved when you set up your authenticator app, like abcde-fghjk",
        error_messages={"required": "Enter one of your recovery codes"},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
