"""Published grants as 360Giving data (schema 1.4.3): one grant object per award finance has approved.

360Giving is the UK's open standard for grants data; GrantNav gathers every publisher's files. The schemas and the
code list used here are copied in `standard/`. `columns.py` holds the flat (spreadsheet) form of the same objects.
Nothing here writes; `transparency.exports` turns these dicts into JSON, XLSX and CSV files.
"""

import csv
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from applications.models import Award, Organisation, Round
from funds.models import Area, FinancialYear, FundingStream, Office
from funds.selectors import PaidOnCommitmentChain, current_office, year_from_label

from ..selectors import published_grants

STANDARD = Path(__file__).parent / "standard"
SCHEMA_VERSION = "1.4"  # the package's "version": major.minor of the grant schema the data follows
# A PCC is a public body: the Open Government Licence is what UK public bodies publish their data under, and 360Giving
# accepts it. It is the office's choice; change it here if the office publishes under another open licence.
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
PENNY = Decimal("0.01")


class GivingError(Exception):
    """Why an export cannot be made, in words the person asking for it can act on."""


# --- identifiers -----------------------------------------------------------------------------------------------

# 360Giving issues each publisher a prefix like "360G-wmpcc"; grant ids are "<prefix>-<our id>", with no slashes or
# spaces, so they can be used in web addresses.
PREFIX_SHAPE = re.compile(r"360G-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
# org-id.guide identifiers: a list code such as GB-CHC, GB-COH or GB-GOR, then the identifier on that list.
ORG_ID_SHAPE = re.compile(r"[A-Z]{2}-[A-Z0-9]+-[^\s/]+")


def publisher_prefix(office: Office) -> str:
    raw = (office.giving_prefix or "").strip()
    if not raw:
        raise GivingError(
            "Set the office's 360Giving prefix (Admin, Offices) first: 360Giving gives you one when you register "
            "as a publisher."
        )
    # Accept the prefix with or without its "360G-" start, as people copy it from 360Giving's emails either way.
    prefix = "360G-" + (raw[5:] if raw.lower().startswith("360g-") else raw)
    if not PREFIX_SHAPE.fullmatch(prefix):
        raise GivingError(
            f'The office\'s 360Giving prefix "{raw}" is not valid: it looks like 360G-wmpcc, with only letters, '
            "digits and hyphens."
        )
    return prefix


def funding_organisation(office: Office) -> dict:
    identifier = (office.org_identifier or "").strip()
    if not identifier:
        raise GivingError(
            "Set the office's organisation identifier (Admin, Offices) first: its org-id.guide identifier, "
            "such as GB-GOR-PC000123."
        )
    if not ORG_ID_SHAPE.fullmatch(identifier):
        raise GivingError(
            f'The office\'s organisation identifier "{identifier}" is not valid: it looks like GB-GOR-PC000123, '
            "a list code, a hyphen and the identifier on that list."
        )
    return {"id": identifier, "name": office.name}


def grant_id(prefix: str, award: Award) -> str:
    # The application reference (HCF-2425-00042) is unique, shown to the applicant and never changes once given.
    reference = award.application.reference or f"AWARD-{award.pk}"
    return f"{prefix}-{re.sub(r'[^A-Za-z0-9-]+', '-', reference)}"


def charity_number(raw: str) -> str | None:
    """The charity number in the form its register prints it, or None if it does not look like one.

    England and Wales: 6 to 8 digits; Scotland (OSCR): SC and 6 digits; Northern Ireland: NIC and 6 digits."""
    number = re.sub(r"\s+", "", raw or "").upper()
    if re.fullmatch(r"\d{6,8}", number) or re.fullmatch(r"(SC|NIC)\d{6}", number):
        return number
    return None


def company_number(raw: str) -> str | None:
    """Companies House numbers are 8 characters: 8 digits (leading zeros are often dropped, so they are put back),
    or two letters (SC, NI, OC, ...) and 6 digits."""
    number = re.sub(r"\s+", "", raw or "").upper()
    if re.fullmatch(r"\d{1,8}", number) and int(number):
        return number.zfill(8)
    if re.fullmatch(r"[A-Z]{2}\d{6}", number):
        return number
    return None


def charity_org_id(number: str) -> str:
    if number.startswith("SC"):
        return f"GB-SC-{number}"
    if number.startswith("NIC"):
        return f"GB-NIC-{number[3:]}"
    return f"GB-CHC-{number}"


def recipient_organisation(organisation: Organisation, prefix: str) -> dict:
    """Registered organisations are named by their register number, so GrantNav links their grants from every funder;
    a group on no register gets an id of our own, in the form 360Giving asks for ("<prefix>-ORG-<our id>").
    The address is not published: small groups often give a volunteer's home."""
    charity, company = (
        charity_number(organisation.charity_number),
        company_number(organisation.company_number),
    )
    if charity:
        identifier = charity_org_id(charity)
    elif company:
        identifier = f"GB-COH-{company}"
    else:
        identifier = f"{prefix}-ORG-{organisation.pk}"
    recipient = {"id": identifier, "name": organisation.name}
    if charity:
        recipient["charityNumber"] = charity
    if company:
        recipient["companyNumber"] = company
    return recipient


# --- places ----------------------------------------------------------------------------------------------------

ONS_CODE_SHAPE = re.compile(r"[EWSN]\d{8}")


@cache
def _geo_code_types() -> dict[str, str]:
    """ONS entity (the first three characters of a code, E08 for metropolitan districts) -> the 360Giving code type,
    read from the standard's own code list so the two never disagree."""
    with (STANDARD / "codelists" / "geoCodeType.csv").open(newline="", encoding="utf-8") as f:
        return {
            row["Documentation (URL)"].rstrip("/").rsplit("/", 1)[-1]: row["Code"]
            for row in csv.DictReader(f)
        }


def geo_code_type(ons_code: str) -> str | None:
    code = (ons_code or "").strip().upper()
    return _geo_code_types().get(code[:3]) if ONS_CODE_SHAPE.fullmatch(code) else None


def beneficiary_location(area: Area, known: dict | None = None) -> dict | None:
    """Where the project's beneficiaries are: the project area's own ONS code, typed by the code itself (an LPA or CSP
    row that carries its local authority's E08 code is published as that metropolitan district, MD). Local policing
    areas have no ONS code of their own: give them their local authority's code in the admin where the boundaries are
    the same, otherwise the nearest coded area above them (the police force area, PFA) is used."""
    known = {} if known is None else known  # area id -> location, so each area is worked out once per export
    if area.pk in known:
        return known[area.pk]
    coded, seen = area, set()
    while coded is not None and coded.pk not in seen and not geo_code_type(coded.ons_code):
        seen.add(coded.pk)
        coded = coded.parent
    location = None
    if coded is not None and coded.pk not in seen:
        code = coded.ons_code.strip().upper()
        location = {
            "name": coded.name,
            "countryCode": "GB",
            "geoCode": code,
            "geoCodeType": geo_code_type(code),
        }
    known[area.pk] = location
    return location


# --- what is exported ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which grants an export holds: one financial year, optionally one stream or one round."""

    year: FinancialYear
    stream: FundingStream | None = None
    round: Round | None = None

    @classmethod
    def from_labels(cls, year: str, stream: str | None = None, round: str | None = None) -> "Selection":
        """From what a person types: "2024/25", a stream's slug, a round's slug."""
        try:
            financial_year = year_from_label(year)
        except ValueError as exc:
            raise GivingError(str(exc)) from exc
        chosen_stream = chosen_round = None
        if stream:
            chosen_stream = FundingStream.objects.filter(slug=stream.strip()).first()
            if chosen_stream is None:
                known = ", ".join(FundingStream.objects.values_list("slug", flat=True))
                raise GivingError(f'There is no funding stream "{stream}". Streams: {known}.')
        if round:
            chosen_round = (
                Round.objects.select_related("budget__year", "budget__stream")
                .filter(slug=round.strip())
                .first()
            )
            if chosen_round is None:
                raise GivingError(f'There is no round "{round}".')
        return cls.checked(financial_year, chosen_stream, chosen_round)

    @classmethod
    def from_params(cls, params: dict) -> "Selection":
        """From an export job's params, which hold ids."""
        return cls(
            year=FinancialYear.objects.get(pk=params["year_id"]),
            stream=FundingStream.objects.get(pk=params["stream_id"]) if params.get("stream_id") else None,
            round=Round.objects.select_related("budget__year", "budget__stream").get(pk=params["round_id"])
            if params.get("round_id")
            else None,
        )

    @classmethod
    def checked(cls, year, stream=None, round=None) -> "Selection":
        if round is not None and round.budget.year_id != year.pk:
            raise GivingError(f'The round "{round}" is in {round.budget.year}, not {year}.')
        if round is not None and stream is not None and round.budget.stream_id != stream.pk:
            raise GivingError(f'The round "{round}" is part of {round.budget.stream}, not {stream}.')
        return cls(year=year, stream=stream, round=round)

    @property
    def params(self) -> dict:
        return {
            "year_id": self.year.pk,
            "stream_id": getattr(self.stream, "pk", None),
            "round_id": getattr(self.round, "pk", None),
        }

    def describe(self) -> str:
        return ", ".join(str(part) for part in (self.year, self.stream, self.round) if part is not None)

    def slug(self) -> str:
        parts = [self.year.label(FinancialYear.LabelStyle.LONG)]
        parts += [self.round.slug] if self.round else [self.stream.slug] if self.stream else []
        return "-".join(parts)

    def awards(self) -> QuerySet[Award]:
        # `disbursed`: what has been paid, net, on the award's commitment and those it was carried into or from.
        return (
            published_grants(year=self.year, stream=self.stream, round=self.round)
            .select_related("application__area__parent")
            .annotate(disbursed=PaidOnCommitmentChain("commitment_id"))
        )


def award_date(award: Award) -> datetime.date:
    # Awarded when finance approved it (the money was committed), in the office's time zone.
    return timezone.localdate(award.approved_at or award.created_at)


def planned_dates(round_: Round) -> dict:
    year = round_.budget.year
    return {
        "startDate": (round_.projects_start_on or year.starts_on).isoformat(),
        "endDate": (round_.projects_end_on or year.ends_on).isoformat(),
    }


def programme(round_: Round) -> dict:
    """The round is the programme (its slug is unique and stable); its title names the stream too, which most round
    names already do ("Helping Communities Fund 2024/25")."""
    stream = round_.budget.stream.name
    title = round_.name if stream.lower() in round_.name.lower() else f"{stream}: {round_.name}"
    return {"code": round_.slug, "title": title}


def _date_time(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds")


def amount_disbursed(award: Award) -> dict:
    """{"amountDisbursed": what was paid, net of corrections and repayments} once that is more than nothing. Read from
    the `disbursed` annotation of Selection.awards() (an award from elsewhere is read the same way, with a query)."""
    disbursed = getattr(award, "disbursed", None)
    if disbursed is None:
        disbursed = Award.objects.filter(pk=award.pk).values_list(
            PaidOnCommitmentChain("commitment_id"), flat=True
        )[0]
    return {"amountDisbursed": disbursed.quantize(PENNY)} if disbursed > 0 else {}


def grant(award: Award, *, prefix: str, funder: dict, locations: dict | None = None) -> dict:
    """One award as a 360Giving grant. Every field here has a column in columns.COLUMNS, so the spreadsheet forms
    carry all of it."""
    application = award.application
    round_ = application.round
    item = {
        "id": grant_id(prefix, award),
        "title": application.title,
        "description": application.project_summary.strip() or application.title,
        "currency": "GBP",
        "amountAwarded": award.amount.quantize(PENNY),
        **amount_disbursed(award),
        "awardDate": award_date(award).isoformat(),
        "plannedDates": [planned_dates(round_)],
        "recipientOrganization": [recipient_organisation(application.organisation, prefix)],
        "fundingOrganization": [dict(funder)],
        "grantProgramme": [programme(round_)],
        "fromOpenCall": "Yes" if round_.open_call else "No",
        "dateModified": _date_time(
            max(filter(None, [application.updated_at, award.approved_at, award.created_at]))
        ),
    }
    location = beneficiary_location(application.area, locations) if application.area_id else None
    if location:
        item["beneficiaryLocation"] = [location]
    return item


def grants(selection: Selection, office: Office | None = None) -> list[dict]:
    office = office or current_office()
    if office is None:
        raise GivingError(
            "Set up the office (Admin, Offices) first: its name, 360Giving prefix and identifier."
        )
    prefix, funder = publisher_prefix(office), funding_organisation(office)
    locations: dict = {}
    items = [grant(award, prefix=prefix, funder=funder, locations=locations) for award in selection.awards()]
    if not items:
        raise GivingError(f"There are no approved grants to publish for {selection.describe()}.")
    return items


def package(
    items: list[dict], *, office: Office, selection: Selection, now: datetime.datetime | None = None
) -> dict:
    """A 360Giving data package: the grants and what the package schema allows about them."""
    now = now or timezone.now()
    publisher = {"name": office.name}
    if office.org_identifier:
        publisher["identifier"] = office.org_identifier.strip()
    return {
        "version": SCHEMA_VERSION,
        "title": f"{office.short_name or office.name} grants, {selection.describe()}",
        "identifier": f"{publisher_prefix(office)}-{selection.slug()}",
        "issued": timezone.localdate(now).isoformat(),
        "modified": _date_time(now),
        "publisher": publisher,
        "license": LICENSE,
        "grants": items,
    }
