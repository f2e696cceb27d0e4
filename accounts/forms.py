from django import forms
from django.contrib.auth import password_validation

from .models import User


class SignUpForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200, error_messages={"required": "Enter your full name"},
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Email address", help_text="We will send a link to this address to check it is yours",
                             error_messages={"required": "Enter your email address",
                                             "invalid": "Enter an email address in the correct format, like "
                                                        "name@example.com"},
                             widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}))
    password = forms.CharField(label="Create a password", help_text="Use at least 10 characters",
                               error_messages={"required": "Enter a password"},
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email, is_active=True).exists():
            raise forms.ValidationError("There is already an account with this email address. Sign in, or reset "
                                        "your password if you have forgotten it")
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
        label="Security code", max_length=20, help_text="The 6-digit code shown in your authenticator app",
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false",
                                      "autocapitalize": "none"}))

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).replace("-", "")
        if not code.isdigit():
            raise forms.ValidationError("The security code must only include numbers 0 to 9")
        if len(code) != 6:
            raise forms.ValidationError("The security code must be 6 digits")
        return code


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code", max_length=40, help_text="One of the 10 codes you saved when you set up your "
                                                        "authenticator app, like abcde-fghjk",
        error_messages={"required": "Enter one of your recovery codes"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}))
