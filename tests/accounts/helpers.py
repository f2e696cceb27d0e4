from django.utils import timezone

from accounts import two_factor
from accounts.models import TwoFactorDevice

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def sign_in_with_password(client, user, next_url: str = "", password: str = PASSWORD, **extra):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": password}, **extra)


def confirmed_device(user) -> tuple[TwoFactorDevice, list[str]]:
    device = TwoFactorDevice.objects.create(
        user=user, secret=two_factor.new_secret(), confirmed_at=timezone.now()
    )
    return device, two_factor.replace_recovery_codes(device)
