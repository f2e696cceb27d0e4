"""The police precept table: each council tax band's precept for a year and the year before, and the change.

The precept is set on a Band D home; every other band is Band D times its statutory proportion (Local Government
Finance Act 1992, s5). The rules that reproduce the 2024/25 report's Table 3 to the penny:

- a band's precept is Band D × its proportion, rounded to the penny, a half penny up;
- the annual change is the difference of the two years' rounded bands (so it agrees with the columns beside it);
- the weekly change is the annual change ÷ 52, rounded to the penny, a half penny up.

A band can never land on an exact half penny (Band D in pence × 2n is even, 9 × an odd number is odd), so the half
up rule is met in the weekly change only: an annual change of £1.30 is £0.025 a week, printed £0.03.

Nothing here writes: funds.services.set_precept does.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from core.money import PENNY, format_pounds

from .models import CouncilTaxBand, FinancialYear, Office, Precept, PreceptBand
from .selectors import current_office

WEEKS_IN_A_YEAR = 52

# Each band's proportion of Band D, in ninths.
ENGLAND: dict[str, int] = {
    CouncilTaxBand.A: 6,
    CouncilTaxBand.B: 7,
    CouncilTaxBand.C: 8,
    CouncilTaxBand.D: 9,
    CouncilTaxBand.E: 11,
    CouncilTaxBand.F: 13,
    CouncilTaxBand.G: 15,
    CouncilTaxBand.H: 18,
}
WALES = {**ENGLAND, CouncilTaxBand.I: 21}
WALES_BAND_I_FROM = 2005  # the 2005 revaluation added Band I in Wales from 1 April 2005


def bands_in_force(office: Office | None, year: FinancialYear) -> dict[str, int]:
    """The bands the office's councils charge in `year`, each with its proportion of Band D in ninths."""
    wales = office is not None and office.council_tax_bands == Office.CouncilTaxBands.WALES
    return WALES if wales and year.start_year >= WALES_BAND_I_FROM else ENGLAND


def _pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def band_amount(band_d: Decimal, ninths: int) -> Decimal:
    """A band's precept: Band D × ninths/9, to the penny, a half penny up."""
    return _pennies(Decimal(band_d) * ninths / 9)


def weekly(annual: Decimal) -> Decimal:
    """An annual amount a week: ÷ 52, to the penny, a half penny up (away from nought when it falls)."""
    return _pennies(Decimal(annual) / WEEKS_IN_A_YEAR)


@dataclass(frozen=True)
class PreceptRow:
    band: str  # "Band A"
    proportion: str  # "6/9"
    previous: Decimal | None  # None when the year before has no Band D
    current: Decimal
    change_annual: Decimal | None
    change_weekly: Decimal | None


@dataclass
class PreceptTable:
    year: FinancialYear
    previous_year: FinancialYear
    rows: list[PreceptRow] = field(default_factory=list)
    # What a person must put right, each a whole sentence naming the year and the band.
    problems: list[str] = field(default_factory=list)


def rows_for(previous_band_d: Decimal | None, band_d: Decimal, bands: dict[str, int]) -> list[PreceptRow]:
    """The table's rows from the two Band D figures alone."""
    rows = []
    for band, ninths in bands.items():
        current = band_amount(band_d, ninths)
        previous = band_amount(previous_band_d, ninths) if previous_band_d is not None else None
        annual = current - previous if previous is not None else None
        rows.append(
            PreceptRow(
                band=CouncilTaxBand(band).label,
                proportion=f"{ninths}/9",
                previous=previous,
                current=current,
                change_annual=annual,
                change_weekly=weekly(annual) if annual is not None else None,
            )
        )
    return rows


def typed_band_problems(precept: Precept, bands: dict[str, int]) -> list[str]:
    """A band typed in from the council's resolution that disagrees with Band D × its proportion, or that is not a
    band in force, is a problem: one of the two figures was typed wrongly."""
    problems = []
    typed: list[PreceptBand] = sorted(precept.typed_bands.all(), key=lambda b: b.band)
    for typed_band in typed:
        label = typed_band.get_band_display()
        if typed_band.band not in bands:
            problems.append(
                f"{precept.year}: {label} is typed in as {format_pounds(typed_band.amount, pence=True)}, but "
                f"{label} is not a council tax band here. Remove it or check the office's council tax bands."
            )
            continue
        expected = band_amount(precept.band_d, bands[typed_band.band])
        if typed_band.amount != expected:
            problems.append(
                f"{precept.year}: {label} is typed in as {format_pounds(typed_band.amount, pence=True)}, but Band D "
                f"{format_pounds(precept.band_d, pence=True)} × {bands[typed_band.band]}/9 is "
                f"{format_pounds(expected, pence=True)}. Check Band D and the band against the council's resolution."
            )
    return problems


def precept_table(year: FinancialYear) -> PreceptTable | None:
    """The precept table for `year`, or None if the year has no Band D yet (there is nothing to print)."""
    precepts = {
        p.year.start_year: p
        for p in Precept.objects.filter(year__start_year__in=[year.start_year - 1, year.start_year])
        .select_related("year")
        .prefetch_related("typed_bands")
    }
    current = precepts.get(year.start_year)
    if current is None:
        return None
    previous = precepts.get(year.start_year - 1)
    previous_year = previous.year if previous else FinancialYear(start_year=year.start_year - 1)
    office = current_office()
    bands = bands_in_force(office, year)
    table = PreceptTable(
        year=year,
        previous_year=previous_year,
        rows=rows_for(previous.band_d if previous else None, current.band_d, bands),
    )
    if previous is None:
        table.problems.append(
            f"There is no Band D for {previous_year}, so the {previous_year} column and the changes are empty. "
            f"Enter the {previous_year} precept."
        )
    else:
        table.problems.extend(typed_band_problems(previous, bands_in_force(office, previous_year)))
    table.problems.extend(typed_band_problems(current, bands))
    return table
