"""Two invented 2024/25 decisions, one confidential and one commercially confidential, so the demo's decision register
shows how such decisions are published. The real decisions in funds/demo.py are all public.

They are marked as invented in their number ("DEMO-…", a form no real decision takes), their title and their public
description, so no one can mistake them for entries in the real register."""

import datetime

from django.db import transaction

from funds.models import Decision

ILLUSTRATIVE_DECISIONS = [
    {
        "number": "DEMO-C1-2024",
        "decided_on": datetime.date(2024, 9, 12),
        "title": "Illustrative example: settlement of a staff employment matter",
        "confidentiality": Decision.Confidentiality.CONFIDENTIAL,
        "public_summary": "Invented for the demo. The terms of the settlement are not published.",
        "public_description": "a staffing matter (an illustrative example invented for the demo)",
    },
    {
        "number": "DEMO-CC1-2025",
        "decided_on": datetime.date(2025, 1, 20),
        "title": "Illustrative example: award of a victims' case management system contract",
        "confidentiality": Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL,
        "public_summary": "Invented for the demo. The bids and prices are commercially sensitive.",
        "public_description": "the procurement of a case management system (an illustrative example invented for "
        "the demo)",
    },
]


@transaction.atomic
def load() -> None:
    for fields in ILLUSTRATIVE_DECISIONS:
        fields = dict(fields)
        decision, _ = Decision.objects.update_or_create(
            number=fields.pop("number"), defaults={**fields, "status": Decision.Status.MADE}
        )
        decision.full_clean()
