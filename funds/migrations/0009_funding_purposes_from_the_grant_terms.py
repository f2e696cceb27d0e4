"""The demo's grant terms on databases loaded before purposes existed: Ministry of Justice victims' grant money funds
victims' services only, Proceeds of Crime Act money never funds police officers, and each stream's purpose is read
from its slug (funds/demo.py sets the same on a fresh load)."""

from django.db import migrations

STREAM_PURPOSES = {
    "helping-communities-fund": "community_grants",
    "prevention-and-intervention": "prevention",
    "community-safety-fund": "community_safety",
    "victims-fund": "victims_services",
    "idva-isva": "victims_services",
}


def forwards(apps, schema_editor):
    FundingSource = apps.get_model("funds", "FundingSource")
    FundingStream = apps.get_model("funds", "FundingStream")
    FundingSource.objects.filter(kind="moj", allowed_purposes=[]).update(
        allowed_purposes=["victims_services"]
    )
    FundingSource.objects.filter(kind="poca", excluded_purposes=[]).update(
        excluded_purposes=["police_officers"]
    )
    for slug, purpose in STREAM_PURPOSES.items():
        FundingStream.objects.filter(slug=slug, purpose="other").update(purpose=purpose)


class Migration(migrations.Migration):
    dependencies = [("funds", "0008_transfer_rules_and_payment_reversals")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
