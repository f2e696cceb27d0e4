"""The monitoring templates the system ships with: victims' services, IDVA/ISVA services, and Arrest Referral.

install() is safe to run again; it adds what is missing and relabels, and never removes a measure returns may use.
"""

from django.db import transaction

from funds.models import Area

from .models import Breakdown, BreakdownOption, Measure, MonitoringTemplate

VICTIMS_SERVICES = "victims-services"
IDVA_ISVA = "idva-isva"
ARREST_REFERRAL = "arrest-referral"

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
            (
                "reported_to_police",
                "Victims who had reported the crime to the police",
                "count",
                True,
                "Before or during support",
                [],
            ),
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
            (
                "mental_health_referrals",
                "Referrals to mental health services",
                "count",
                True,
                "Because of the crime, including self-referrals",
                [],
            ),
            ("spend", "Spend this quarter", "money", False, "", []),
            ("notes", "Anything else we should know about this quarter", "text", False, "", []),
        ],
        # percentage code -> (count on top, count underneath): worked out from the counts, never typed
        "recomputed": {"cope_and_recover_pct": ("cope_and_recover", "cases_closed")},
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
    # The outputs the annual report prints by quarter for the Arrest Referral service (Cranstoun, brief §5.2). Other
    # code reads these codes: change a label freely, never a code.
    ARREST_REFERRAL: {
        "name": "Arrest Referral",
        "description": "Quarterly return for the Arrest Referral service (Drug Interventions Programme).",
        "measures": [
            (
                "required_assessments",
                "Required assessments following a positive test",
                "count",
                True,
                "People assessed in custody because they tested positive for a specified drug",
                [],
            ),
            ("voluntary_assessments", "Voluntary custody assessments", "count", True, "", []),
            ("court_assessments", "Court assessments", "count", True, "", []),
            (
                "total_assessments",
                "Total assessments",
                "count",
                True,
                "Required, voluntary and court assessments added together",
                [],
            ),
            ("contacts_interventions", "Contacts, assessments and interventions", "count", True, "", []),
            ("drrs_granted", "DRRs granted", "count", True, "Drug Rehabilitation Requirements", []),
            ("atrs_granted", "ATRs granted", "count", True, "Alcohol Treatment Requirements", []),
            ("treatment_referrals", "Referrals to specialist treatment", "count", True, "", []),
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
        set_parts(template, spec.get("recomputed", {}))
        installed[slug] = template
    return installed


def set_parts(
    template: MonitoringTemplate, recomputed: dict[str, tuple[str, str]], measures=Measure.objects
) -> None:
    """Make each named percentage recomputed from its two counts. `measures` is a manager, so a data migration can
    pass its historical model."""
    for code, (top, bottom) in recomputed.items():
        parts = {m.code: m for m in measures.filter(template=template, code__in=[code, top, bottom])}
        if len(parts) == 3:
            measures.filter(pk=parts[code].pk).update(
                numerator=parts[top], denominator=parts[bottom], weighted_by=None
            )
