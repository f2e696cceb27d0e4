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
