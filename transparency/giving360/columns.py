"""The flat, spreadsheet form of a 360Giving grant: one row per grant, one column per field.

COLUMNS is the only description of that form. `flatten` reads it to make a row from a grant and `unflatten` reads
it to make the grant back from a row, so the XLSX and CSV files and the JSON always hold the same data. The titles are
the standard's own ("Recipient Org:Identifier" is the title of recipientOrganization, a colon, the title of its id);
tests/transparency check each one against the schema.
"""

import datetime
import itertools
from dataclasses import dataclass
from decimal import Decimal

TEXT, AMOUNT, DATE = "text", "amount", "date"
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    title: str
    path: tuple[str | int, ...]  # where the value sits in the grant: ("recipientOrganization", 0, "id")
    kind: str = TEXT


COLUMNS: tuple[Column, ...] = (
    Column("Identifier", ("id",)),
    Column("Title", ("title",)),
    Column("Description", ("description",)),
    Column("Currency", ("currency",)),
    Column("Amount Awarded", ("amountAwarded",), AMOUNT),
    Column("Amount Disbursed", ("amountDisbursed",), AMOUNT),
    Column("Award Date", ("awardDate",), DATE),
    Column("Planned Dates:Start Date", ("plannedDates", 0, "startDate"), DATE),
    Column("Planned Dates:End Date", ("plannedDates", 0, "endDate"), DATE),
    Column("Recipient Org:Identifier", ("recipientOrganization", 0, "id")),
    Column("Recipient Org:Name", ("recipientOrganization", 0, "name")),
    Column("Recipient Org:Charity Number", ("recipientOrganization", 0, "charityNumber")),
    Column("Recipient Org:Company Number", ("recipientOrganization", 0, "companyNumber")),
    Column("Beneficiary Location:Name", ("beneficiaryLocation", 0, "name")),
    Column("Beneficiary Location:Country Code", ("beneficiaryLocation", 0, "countryCode")),
    Column("Beneficiary Location:Geographic Code", ("beneficiaryLocation", 0, "geoCode")),
    Column("Beneficiary Location:Geographic Code Type", ("beneficiaryLocation", 0, "geoCodeType")),
    Column("Funding Org:Identifier", ("fundingOrganization", 0, "id")),
    Column("Funding Org:Name", ("fundingOrganization", 0, "name")),
    Column("Grant Programme:Code", ("grantProgramme", 0, "code")),
    Column("Grant Programme:Title", ("grantProgramme", 0, "title")),
    Column("From An Open Call?", ("fromOpenCall",)),
    # A date-time with its offset, kept as text: an Excel date has no time zone.
    Column("Last Modified", ("dateModified",)),
)
TITLES = tuple(column.title for column in COLUMNS)


def _get(grant: dict, path: tuple):
    value = grant
    for step in path:
        try:
            value = value[step]
        except (KeyError, IndexError):
            return None
    return value


def _set(grant: dict, path: tuple, value) -> None:
    container = grant
    for step, following in itertools.pairwise(path):
        empty = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            while len(container) <= step:
                container.append(empty)
                empty = [] if isinstance(following, int) else {}
        else:
            container.setdefault(step, empty)
        container = container[step]
    container[path[-1]] = value


def flatten(grant: dict) -> list:
    """The grant's values in COLUMNS order; None where the grant has no such field."""
    return [_get(grant, column.path) for column in COLUMNS]


def _read(kind: str, value):
    if kind == AMOUNT:
        # str() first: a float read from a workbook (4846.5) becomes exactly Decimal("4846.50").
        return Decimal(str(value)).quantize(PENNY)
    if kind == DATE:
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    return str(value)


def unflatten(row: dict) -> dict:
    """A grant from {column title: cell value}; empty cells are fields the grant does not have.

    Raises ValueError for a column that is not in COLUMNS, rather than drop what it holds."""
    unknown = set(row) - set(TITLES)
    if unknown:
        raise ValueError(f"Unknown 360Giving columns: {', '.join(sorted(map(str, unknown)))}")
    grant: dict = {}
    for column in COLUMNS:
        value = row.get(column.title)
        if value is None or value == "":
            continue
        _set(grant, column.path, _read(column.kind, value))
    return grant
