from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


def normalise_email(value: str | None) -> str:
    """The one form an email address is stored and looked up in: trimmed and lower-case.

    Mail systems treat the part before the @ as case-insensitive in practice, and people type their address however
    their phone capitalises it ("Dave.Treasurer@BoxingClub.example"), so one person has one account whatever the case.
    """
    return (value or "").strip().lower()


class UserManager(DjangoUserManager):
    """People sign in with their email address; there is no separate username."""

    use_in_migrations = True

    def get_by_natural_key(self, email):
        """The account for an email address typed in any case (ModelBackend's sign-in lookup goes through here).

        Stored addresses are lower-case (migration 0003 lower-cased the older ones), so the exact lookup on the
        unique index finds almost everyone. The case-insensitive fallback is for a row 0003 had to leave as it was,
        because lower-casing it would have clashed with another account: then only an unambiguous match signs in,
        never an arbitrary one of the two.
        """
        email = normalise_email(email)
        try:
            return self.get(email=email)
        except self.model.DoesNotExist:
            matches = list(self.filter(email__iexact=email)[:2])
            if len(matches) != 1:
                raise
            return matches[0]

    def with_email(self, email):
        """Every account for this address, whatever its case: for checks like "is this address taken?"."""
        return self.filter(email__iexact=normalise_email(email))

    def _create_user_object(self, email, password, **extra_fields):
        user = self.model(email=normalise_email(self.normalize_email(email)), **extra_fields)
        user.password = ""
        user.set_password(password) if password else user.set_unusable_password()
        return user

    def _create_user(self, email, password, **extra_fields):
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        # The admin's forms and any other ModelForm come through here: store the address as sign-in looks it up.
        super().clean()
        self.email = normalise_email(self.email)

    @property
    def awaiting_verification(self) -> bool:
        """Signed up but never confirmed the email link. Confirming signs the person in, so an account that has
        ever signed in and is inactive was switched off by staff, and is not offered a new link."""
        return not self.is_active and self.last_login is None

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class TwoFactorDevice(models.Model):
    """A staff member's authenticator app. One per person; unconfirmed until its first code is entered.

    The secret is kept as it is (TOTP needs it to compute codes); the database is the boundary that protects it.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_device")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code was accepted: a code for this step or an earlier one is a replay.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "two-factor device"

    def __str__(self) -> str:
        return f"Authenticator app for {self.user.email}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code for when the phone is lost; only its hash is stored."""

    device = models.ForeignKey(TwoFactorDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
