"""Staff two-factor authentication: time-based one-time passwords (RFC 6238) and single-use recovery codes.

Our own ~150 lines rather than django-allauth[mfa]: allauth would replace the sign-in, sign-up with email
verification and password reset this app already has, and TOTP itself is HMAC-SHA1 from the standard library.

Rules, all here:
- a code is accepted for the current 30-second step or one step either side (clocks on phones drift);
- a step once used cannot be used again on that device (a code seen over someone's shoulder is spent);
- 5 wrong codes lock code entry for 15 minutes (a 6-digit code would otherwise fall to guessing);
- recovery codes are stored hashed, each works once.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import ratelimit

# A benchmark/load helper signs staff in by setting this key: do not rename it.
VERIFIED_SESSION_KEY = "two_factor_verified"

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps either side of now
RECOVERY_CODE_COUNT = 10
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
ISSUER = "PCC Grants"


# --- RFC 4226 / 6238 -------------------------------------------------------------------------------------------


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended key length), base32 without padding as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(when: float | None = None) -> int:
    return int((time.time() if when is None else when) // STEP_SECONDS)


def totp(secret: str, *, when: float | None = None, digits: int = DIGITS) -> str:
    return hotp(_key(secret), step_at(when), digits=digits)


def matching_step(secret: str, code: str, *, when: float | None = None) -> int | None:
    """The step within the window whose code is `code`, or None. Compared in constant time."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(when)
    key = _key(secret)
    found = None
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def normalise_code(code: str) -> str:
    """People paste codes with spaces or hyphens ("123 456", "abcde-fghij"): compare without them."""
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def provisioning_uri(secret: str, email: str) -> str:
    from urllib.parse import quote, urlencode

    label = quote(f"{ISSUER}:{email}")
    query = urlencode(
        {"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The key in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str) -> str:
    """An inline SVG QR code: no image request, and no inline style (the CSP forbids it)."""
    import segno

    svg = segno.make(data, error="m").svg_inline(
        scale=4, border=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code", omitsize=False
    )
    # Named for screen readers, who are pointed to the typed key instead.
    return svg.replace(
        "<svg ", '<svg role="img" aria-label="QR code for adding PCC Grants to an authenticator app" ', 1
    )


# --- devices -----------------------------------------------------------------------------------------------------


def device_for(user):
    from .models import TwoFactorDevice

    return TwoFactorDevice.objects.filter(user=user).first()


def second_factor_url(user, next_url: str = "") -> str:
    """Where a staff member goes for their second factor: the code page, or set-up if they have no app yet."""
    name = "accounts:two_factor_verify" if has_confirmed_device(user) else "accounts:two_factor_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}" if next_url else reverse(name)


def has_confirmed_device(user) -> bool:
    from .models import TwoFactorDevice

    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def start_setup(user):
    """The user's device, made on first visit and kept until confirmed, so a reload shows the same QR code."""
    from .models import TwoFactorDevice

    device, _ = TwoFactorDevice.objects.get_or_create(user=user, defaults={"secret": new_secret()})
    return device


def use_code(device, code: str, *, when: float | None = None) -> bool:
    """Accept `code` once. The conditional update makes a replay lose even when two requests race with one code."""
    from .models import TwoFactorDevice

    step = matching_step(device.secret, code, when=when)
    if step is None:
        return False
    claimed = (
        TwoFactorDevice.objects.filter(pk=device.pk)
        .exclude(last_used_step__gte=step)
        .update(last_used_step=step, last_used_at=timezone.now())
    )
    return claimed == 1


@transaction.atomic
def confirm_device(device, code: str) -> list[str] | None:
    """Confirm a new device with its first code: the recovery codes to show once, or None if the code is wrong."""
    if not use_code(device, code):
        return None
    device.refresh_from_db()
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return replace_recovery_codes(device)


# --- recovery codes ---------------------------------------------------------------------------------------------


class RecoveryCodeHasher(PBKDF2PasswordHasher):
    """A recovery code is 50 random bits, not a chosen password, so a lighter work factor than passwords is still
    far out of reach of guessing, and checking all ten on a sign-in stays well under a second."""

    algorithm = "pbkdf2_sha256_recovery"
    iterations = 100_000


_hasher = RecoveryCodeHasher()
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are copied from paper


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def replace_recovery_codes(device) -> list[str]:
    """A fresh set of codes; the old ones stop working. The plain codes are returned to be shown once, never stored."""
    from .models import RecoveryCode

    device.recovery_codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=_hasher.encode(normalise_code(c), _hasher.salt()))
        for c in codes
    )
    return codes


def use_recovery_code(device, code: str) -> bool:
    from .models import RecoveryCode

    code = normalise_code(code)
    if len(code) != 10:
        return False
    for candidate in device.recovery_codes.filter(used_at__isnull=True):
        if _hasher.verify(code, candidate.code_hash):
            # Conditional, so two racing requests with the same code cannot both spend it.
            return (
                RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
                    used_at=timezone.now()
                )
                == 1
            )
    return False


def unused_recovery_codes(device) -> int:
    return device.recovery_codes.filter(used_at__isnull=True).count()


# --- throttling wrong codes -------------------------------------------------------------------------------------


def _failures_key(user) -> str:
    return f"two-factor:failures:{user.pk}"


def _lock_key(user) -> str:
    return f"two-factor:locked:{user.pk}"


def locked_for(user) -> int:
    """Seconds until this user may enter a code again; 0 when not locked."""
    return ratelimit.held_for(_lock_key(user))


def record_failure(user) -> int:
    """Count a wrong code; the 5th in 15 minutes locks code entry for 15 minutes. Returns the seconds locked."""
    key = _failures_key(user)
    # The count lasts 15 minutes from the first wrong code rather than a wall-clock window like the rate limits', so
    # 5 wrong codes cannot straddle two windows; the counter is core.ratelimit's all the same, which keeps counting
    # in the database when Redis is down, and the lock is always kept in the database (see core.ratelimit).
    failures = ratelimit.count_in(key, timeout=LOCK_SECONDS)
    if failures >= MAX_FAILURES:
        ratelimit.hold(_lock_key(user), seconds=LOCK_SECONDS)
        ratelimit.forget(key)
        return LOCK_SECONDS
    return 0


def clear_failures(user) -> None:
    ratelimit.forget(_failures_key(user))


# --- the session ------------------------------------------------------------------------------------------------


def mark_verified(request) -> None:
    # A new session key at the moment the session gains privilege, as at sign-in (session fixation).
    request.session.cycle_key()
    request.session[VERIFIED_SESSION_KEY] = True
    request.session.set_expiry(settings.STAFF_SESSION_AGE)


def is_verified(request) -> bool:
    return bool(request.session.get(VERIFIED_SESSION_KEY))


def needs_two_factor(user) -> bool:
    return bool(user.is_authenticated and user.is_staff)
