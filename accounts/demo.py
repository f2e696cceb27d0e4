"""Demo logins printed by load_demo_data, so a newcomer can sign in straight away. Never loaded in production."""

from .models import User

DEMO_PASSWORD = "demo-password-2425"
DEMO_LOGINS = [
    (
        "OPCC finance (staff, Django admin)",
        "finance@demo.pcc-grants.example",
        {"is_staff": True, "is_superuser": True, "full_name": "Demo Finance Officer"},
    ),
]


def ensure_demo_logins() -> list[tuple[str, str, str]]:
    printed = []
    for role, email, fields in DEMO_LOGINS:
        user, _ = User.objects.get_or_create(email=email, defaults=fields)
        for name, value in fields.items():
            setattr(user, name, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        printed.append((role, email, DEMO_PASSWORD))
    return printed
