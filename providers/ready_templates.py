"""The two monitoring templates the system ships with: victims' services, and IDVA/ISVA services.

install() is safe to run again; it adds what is missing and relabels, and never removes a measure returns may use.
"""

from django.db import transaction

from funds.models import Area

from .models import Breakdown, BreakdownOption, Measure, MonitoringTemplate

VICTIMS_SERVICES = "victims-services"
IDVA_ISVA = "idva-isva"

SEX = (
    "sex",
    "sex",
    [
        ("female", "Female"),
        ("male", "Male"),
        ("other", "Described in another way"),
        ("not_known", "Not known"),
    ],
)
AGE = (
    "age_band",
    "age band",
    [
        ("under_18", "Under 18"),
        ("18_24", "18 to 24"),
        ("25_34", "25 to 34"),
        ("35_44", "35 to 44"),
        ("45_54", "45 to 54"),
        ("55_64", "55 to 64"),
        ("65_plus", "65 or over"),
        ("not_known", "Not known"),
    ],
)
ETHNICITY = (
    "ethnicity",
    "ethnicity",
    [
        ("white", "White"),
        ("mixed", "Mixed or multiple ethnic groups"),
        ("asian", "Asian or Asian British"),
        ("black", "Black, Black British, Caribbean or African"),
        ("other", "Other ethnic group"),
        ("not_known", "Not known"),
    ],
)
DISABILITY = (
    "disability",
    "disability",
    [("yes", "Disabled"), ("no", "Not disabled"), ("not_known", "Not known")],
)
CRIME_TYPE = (
    "crime_type",
    "crime type",
    [
        ("domestic_abuse", "Domestic abuse"),
        ("sexual_violence", "Sexual violence"),
        ("hate_crime", "Hate crime"),
        ("modern_slavery", "Modern slavery"),
        ("stalking", "Stalking and harassment"),
        ("violence", "Other violence"),
        ("acquisitive", "Theft, burglary or robbery"),
        ("road_crime", "Road crime"),
        ("other", "Other crime"),
    ],
)

# (code, label, kind, required, hint, breakdowns)
TEMPLATES = {
    VICTIMS_SERVICES: {
        "name": "Victims' services",
        "description": "Quarterly return for services funded from the Victims Fund.",
        "measures": [
            (
                "new_victims",
                "New victims supported",
                "count",
                True,
                "Victims who started receiving support this quarter",
                [SEX, AGE, ETHNICITY, DISABILITY, CRIME_TYPE],
            ),
            (
                "existing_victims",
                "Existing victims supported",
                "count",
                True,
                "Victims carried over from earlier quarters who were still supported",
                [],
            ),
            ("referrals_received", "Referrals received", "count", True, "", []),
            ("cases_closed", "Cases closed", "count", True, "", []),
            (
                "cope_and_recover",
                "Closed cases where the victim was helped to cope and recover",
                "count",
                True,
                "Outcome measure",
                [],
            ),
            (
                "cope_and_recover_pct",
                "Closed cases where the victim was helped to cope and recover (%)",
                "percentage",
                True,
                "Outcome measure, as a percentage of cases closed",
                [],
            ),
            (
                "onward_referrals",
                "Onward referrals to other services",
                "count",
                True,
                "For example, to financial help, housing or mental health support",
                [],
            ),
            ("spend", "Spend this quarter", "money", False, "", []),
            ("notes", "Anything else we should know about this quarter", "text", False, "", []),
        ],
    },
    IDVA_ISVA: {
        "name": "IDVA and ISVA services",
        "description": "Quarterly return for Independent Domestic and Sexual Violence Advocate services.",
        "measures": [
            ("caseload", "Caseload at the end of the quarter", "count", True, "", ["AREA", SEX]),
            ("new_referrals", "New referrals received", "count", True, "", []),
            (
                "marac_referrals",
                "Referrals to MARAC",
                "count",
                True,
                "Cases referred to a Multi-Agency Risk Assessment Conference",
                [],
            ),
            (
                "high_risk_cases",
                "High-risk cases",
                "count",
                True,
                "Cases assessed as high risk this quarter",
                [],
            ),
            ("notes", "Anything else we should know about this quarter", "text", False, "", []),
        ],
    },
}


def _area_breakdown():
    """Caseload by local authority, so recorded demand can be shared out by area. Empty until areas are loaded."""
    areas = Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY, valid_to__isnull=True).order_by("name")
    options = [(f"area_{a.pk}", a.name, a) for a in areas]
    return (
        "area",
        "local authority",
        [*options, ("area_not_known", "Outside the area or not known", None)] if options else [],
    )


@transaction.atomic
def install() -> dict[str, MonitoringTemplate]:
    installed = {}
    for slug, spec in TEMPLATES.items():
        template, _ = MonitoringTemplate.objects.get_or_create(
            slug=slug, defaults={"name": spec["name"], "description": spec["description"]}
        )
        for order, (code, label, kind, required, hint, breakdowns) in enumerate(spec["measures"], start=1):
            measure, _ = Measure.objects.update_or_create(
                template=template,
                code=code,
                defaults={"label": label, "kind": kind, "required": required, "hint": hint, "order": order},
            )
            for b_order, breakdown_spec in enumerate(breakdowns, start=1):
                dimension, b_label, options = (
                    _area_breakdown() if breakdown_spec == "AREA" else breakdown_spec
                )
                if not options:
                    continue
                breakdown, _ = Breakdown.objects.update_or_create(
                    measure=measure, dimension=dimension, defaults={"label": b_label, "order": b_order}
                )
                for o_order, option in enumerate(options, start=1):
                    o_code, o_label, area = option if len(option) == 3 else (*option, None)
                    BreakdownOption.objects.update_or_create(
                        breakdown=breakdown,
                        code=o_code,
                        defaults={"label": o_label, "order": o_order, "area": area},
                    )
        installed[slug] = template
    return installed
