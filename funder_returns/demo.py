"""The Ministry of Justice's victims' services grant return for the demo, and its H1 2024/25 return.

The template is the office's reading of the Ministry's form, set up as data (illustrative: the Ministry's real form
changes from year to year, which is why it is data). Its H1 2024/25 return is built from the providers demo's
accepted returns and payments by the commissioning officer and sent for sign-off, so the Chief Finance Officer
(cfo@demo.pcc-grants.example) can sign it off in the browser. Runs after providers.demo.load(); safe to run twice:
a template already there is left as the office may have edited it, and a return already made is left alone.
"""

from django.db import transaction

from accounts.models import User
from funds.models import FinancialYear, FundingStream
from providers import ready_templates
from providers.models import BreakdownOption, Measure, MonitoringTemplate, ServiceFunding

from . import services
from .models import FunderReturn, ReturnQuestion, ReturnSection, ReturnTemplate

NAME = "Ministry of Justice victims' services grant return"
FUNDER = "Ministry of Justice"
STREAMS = ["victims-fund"]
COMMISSIONER = "commissioning@demo.pcc-grants.example"
YEAR, PERIOD = 2024, "H1"

Q = ReturnQuestion.Source
# (section heading, [(question label, measure code)]) for figures taken from the providers' returns. A code the
# monitoring template does not have (yet) is left out.
MEASURES = [
    ("Victims referred", [("Victims referred to the services", "referrals_received")]),
    (
        "Victims supported",
        [
            ("New victims supported", "new_victims"),
            ("Existing victims still supported", "existing_victims"),
        ],
    ),
]
OUTCOMES = [
    ("Closed cases where the victim was helped to cope and recover", "cope_and_recover"),
    ("Closed cases where the victim was helped to cope and recover (%)", "cope_and_recover_pct"),
    ("Victims who had reported the crime to the police", "reported_to_police"),
    ("Onward referrals to other services", "onward_referrals"),
    ("Referrals to mental health services", "mental_health_referrals"),
]
# New victims supported, by each characteristic the Ministry asks about: (section heading, breakdown dimension).
CHARACTERISTICS = [
    ("New victims supported by crime type", "crime_type"),
    ("New victims supported by sex", "sex"),
    ("New victims supported by age", "age_band"),
    ("New victims supported by ethnicity", "ethnicity"),
    ("New victims supported by disability", "disability"),
]


@transaction.atomic
def load() -> dict:
    year = FinancialYear.objects.get(start_year=YEAR)
    template = ReturnTemplate.objects.filter(name=NAME).first() or _template(year)
    funder_return = FunderReturn.objects.filter(
        template=template, year=year, period_label__startswith=PERIOD
    ).first()
    commissioner = User.objects.get(email=COMMISSIONER)
    if funder_return is None and services.may_prepare(commissioner):
        funder_return = services.prepare_return(
            template_id=template.pk, year_id=year.pk, period_code=PERIOD, by=commissioner
        )
        services.move(return_id=funder_return.pk, to_status=FunderReturn.Status.READY, by=commissioner)
    return {"template": template, "return": funder_return}


def _template(year: FinancialYear) -> ReturnTemplate:
    monitoring = MonitoringTemplate.objects.get(slug=ready_templates.VICTIMS_SERVICES)
    template = ReturnTemplate.objects.create(
        name=NAME,
        funder=FUNDER,
        frequency=ReturnTemplate.Frequency.SIX_MONTHLY,
        monitoring_template=monitoring,
        description=(
            "What was spent on which services, how many victims were referred and supported, by crime type and "
            "characteristic, and with what outcomes. Illustrative: set up for the demo from the Ministry's "
            "published asks."
        ),
    )
    streams = list(FundingStream.objects.filter(slug__in=STREAMS))
    template.streams.set(streams)
    measures = {m.code: m for m in Measure.objects.filter(template=monitoring)}
    order = iter(range(1, 100))

    spend = _section(template, "Spend by priority area", next(order))
    themes = sorted(
        set(
            ServiceFunding.objects.filter(
                line__budget__year=year, line__budget__stream__in=streams
            ).values_list("service__theme", flat=True)
        )
    )
    for n, theme in enumerate(themes, start=1):
        _question(spend, theme, n, Q.SPEND, theme=theme)
    _question(spend, "Total spent on commissioned victims' services", len(themes) + 1, Q.SPEND)
    _question(spend, "Number of services funded", len(themes) + 2, Q.SERVICES)

    for heading, asks in MEASURES:
        _measures(_section(template, heading, next(order)), asks, measures)

    options = BreakdownOption.objects.filter(
        breakdown__measure__template=monitoring, breakdown__measure__code="new_victims"
    ).select_related("breakdown")
    for heading, dimension in CHARACTERISTICS:
        chosen = [o for o in options if o.breakdown.dimension == dimension]
        if chosen:
            section = _section(template, heading, next(order))
            for n, option in enumerate(chosen, start=1):
                _question(section, option.label, n, Q.OPTION, option=option)
    _measures(_section(template, "Outcomes", next(order)), OUTCOMES, measures)
    return template


def _measures(section: ReturnSection, asks: list[tuple[str, str]], measures: dict[str, Measure]) -> None:
    for n, (label, code) in enumerate(asks, start=1):
        if code in measures:
            _question(section, label, n, Q.MEASURE, measure=measures[code])


def _section(template: ReturnTemplate, heading: str, order: int) -> ReturnSection:
    return ReturnSection.objects.create(template=template, heading=heading, order=order)


def _question(section: ReturnSection, label: str, order: int, source: str, **where) -> ReturnQuestion:
    question = ReturnQuestion(section=section, label=label, order=order, source=source, **where)
    question.full_clean()
    question.save()
    return question
