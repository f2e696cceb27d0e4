"""Store every email address lower-case, as sign-up always has, so "Dave.Treasurer@BoxingClub.example" and
"dave.treasurer@boxingclub.example" are one account.

Chosen over a case-insensitive unique index: an index would make this migration fail on a database where two
accounts already differ only by case, and the deployment would stop there. Instead each address is lower-cased when
no other account has it in another case; a clash is left as it is and printed, for staff to merge or rename the
accounts in the admin. Sign-in (UserManager.get_by_natural_key) still finds a leftover mixed-case row when it is the
only match, and sign-up refuses an address that exists in any case (User.objects.with_email).
"""

from django.db import migrations
from django.db.models.functions import Lower


def lower_case_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    mixed = User.objects.exclude(email=Lower("email")).order_by("pk")
    for user in mixed.iterator():
        lowered = user.email.strip().lower()
        if User.objects.filter(email__iexact=lowered).exclude(pk=user.pk).exists():
            print(
                f"\n  accounts.0003: left {user.email!r} (user {user.pk}) as it is: another account has the same "
                "address in another case"
            )
            continue
        User.objects.filter(pk=user.pk).update(email=lowered)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_two_factor_devices"),
    ]

    operations = [
        migrations.RunPython(lower_case_emails, migrations.RunPython.noop, elidable=True),
    ]
