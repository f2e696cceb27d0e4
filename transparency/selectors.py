"""Reads of what may be published. Every public page, export and API response starts from these."""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from applications.models import Award, Round
from funds.models import Area, Budget, Decision, FinancialYear, FundingStream

# A grant closed with its underspend released was still a grant: it is published with what was paid.
PUBLISHED_STATUSES = (Award.Status.COMMITTED, Award.Status.PAID, Award.Status.CLOSED)


def published_grants(
    *,
    year: FinancialYear | int | None = None,
    stream: FundingStream | int | None = None,
    area: Area | int | None = None,
    round: Round | int | None = None,
) -> QuerySet[Award]:
    """Awards finance has approved (committed, paid, or closed with the underspend released). An award still awaiting finance is not yet a grant, and a
    cancelled one is no longer one: its commitment was released and nothing more will be paid.

    `year` is a FinancialYear or its start year (2024 for 2024/25); the others are instances or primary keys."""
    qs = Award.objects.filter(status__in=PUBLISHED_STATUSES).select_related(
        "application__organisation",
        "application__area",
        "application__round__budget__stream",
        "application__round__budget__year",
        "line__area",
    )
    if year is not None:
        qs = qs.filter(application__round__budget__year__start_year=getattr(year, "start_year", year))
    if stream is not None:
        qs = qs.filter(application__round__budget__stream=stream)
    if area is not None:
        qs = qs.filter(application__area=area)
    if round is not None:
        qs = qs.filter(application__round=round)
    return qs.order_by("application__round__budget__year__start_year", "application__reference")


# The public face of a grant, besides the award's `amount`. Page, downloads and API all read these names and nothing
# else, so a field not listed (a contact name, the amount asked for, an assessor's note) cannot leak through any.
PUBLIC_GRANT_FIELDS = {
    "reference": F("application__reference"),
    "recipient": F("application__organisation__name"),
    "project_title": F("application__project_title"),
    "area_id": F("application__area_id"),
    "area": F("application__area__name"),
    "stream_slug": F("application__round__budget__stream__slug"),
    "stream": F("application__round__budget__stream__name"),
    "round_slug": F("application__round__slug"),
    "round": F("application__round__name"),
    "year_start": F("application__round__budget__year__start_year"),
    # Awarded when finance approved it; the date is taken in the office's time zone.
    "award_date": TruncDate("approved_at"),
}


def public_grant_rows(grants: QuerySet[Award]) -> QuerySet:
    """`published_grants(...)` as plain dicts of public fields only, one query however many rows."""
    return grants.values("amount", **PUBLIC_GRANT_FIELDS)


def grant_totals(grants: QuerySet[Award]) -> dict:
    """How many grants and how much money, in one query: {"count": 52, "total": Decimal("415418.00")}."""
    return grants.order_by().aggregate(count=Count("pk"), total=Sum("amount"))


def _pk(value: Any) -> int | None:
    return getattr(value, "pk", value)


@dataclass(frozen=True)
class GrantFacets:
    """How many grants and how much money for every round and area, with the names the filters offer: enough to give
    any filter's totals, its choices and where each page starts without reading the grants again. Built by
    `grant_facets()` in one grouped query over the published grants; small (rounds x areas), so it is cached whole per
    publication version (transparency.publication)."""

    # (round id, area id or None, count, total)
    groups: tuple[tuple[int, int | None, int, Decimal], ...]
    # round id -> (financial year start, funding stream id)
    rounds: dict[int, tuple[int, int]]
    areas: tuple[tuple[int, str], ...]  # (id, name) by name, areas with grants only
    streams: tuple[tuple[int, str, str], ...]  # (id, slug, name) in report order, streams with grants only

    def _matching(
        self, *, year: Any = None, stream: Any = None, area: Any = None, round: Any = None
    ) -> Iterator[tuple[int, int, int, Decimal]]:
        year, stream, area, round = getattr(year, "start_year", year), _pk(stream), _pk(area), _pk(round)
        for round_id, area_id, count, total in self.groups:
            year_start, stream_id = self.rounds[round_id]
            if (
                (year is None or year_start == year)
                and (stream is None or stream_id == stream)
                and (area is None or area_id == area)
                and (round is None or round_id == round)
            ):
                yield round_id, year_start, count, total

    def totals(self, **filters: Any) -> dict:
        """{"count": 52, "total": Decimal("415418.00")}, as `grant_totals` gives for the same filters."""
        matching = list(self._matching(**filters))
        return {
            "count": sum(m[2] for m in matching),
            "total": sum((m[3] for m in matching), Decimal("0")) if matching else None,
        }

    def years(self) -> list[int]:
        return sorted({year for year, _ in (self.rounds[g[0]] for g in self.groups)})

    def count_by_year(self, **filters: Any) -> list[tuple[int, int, list[int]]]:
        """(year start, grants, round ids) for the filters, oldest year first: the order the rows are listed in."""
        grants: dict[int, int] = {}
        rounds: dict[int, set[int]] = {}
        for round_id, year_start, count, _ in self._matching(**filters):
            grants[year_start] = grants.get(year_start, 0) + count
            rounds.setdefault(year_start, set()).add(round_id)
        return [(year, grants[year], sorted(rounds[year])) for year in sorted(grants)]


def grant_facets() -> GrantFacets:
    """Three queries: the published grants counted by round and area (grouped by ids alone, never sorted: grouping by
    the names as well took twice as long at 100,000 applications), then the names from the small tables."""
    groups = tuple(
        published_grants()
        .order_by()
        .values_list("application__round_id", "application__area_id")
        .annotate(count=Count("pk"), total=Sum("amount"))
    )
    rounds: dict[int, tuple[int, int]] = {}
    streams: dict[int, tuple[int, str, str]] = {}
    for round_id, year, stream_id, order, name, slug in Round.objects.filter(
        pk__in={g[0] for g in groups}
    ).values_list(
        "pk",
        "budget__year__start_year",
        "budget__stream_id",
        "budget__stream__report_order",
        "budget__stream__name",
        "budget__stream__slug",
    ):
        rounds[round_id] = (year, stream_id)
        streams[stream_id] = (order, name, slug)
    areas = Area.objects.filter(pk__in={g[1] for g in groups if g[1] is not None}).values_list("pk", "name")
    return GrantFacets(
        groups=groups,
        rounds=rounds,
        # As the filter lists them: areas by name, streams in report order (FundingStream's own ordering).
        areas=tuple(sorted(areas, key=lambda area: (area[1], area[0]))),
        streams=tuple(
            (pk, slug, name) for pk, (_, name, slug) in sorted(streams.items(), key=lambda i: i[1])
        ),
    )


class GrantRows(Sequence):
    """The public rows of `published_grants(**filters)` in their order, read one slice at a time, for a paginator.

    The list is ordered by financial year, then reference. Knowing from the facets how many grants each year holds,
    a slice reads only the rounds of the years it falls in, so its query sorts one year's grants, not every grant
    there has ever been."""

    def __init__(self, facets: GrantFacets, **filters: Any):
        self.filters = filters
        self.years = facets.count_by_year(**filters)
        self.length = sum(count for _, count, _ in self.years)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: Any) -> list[dict]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("GrantRows reads slices only")
        start, stop, _ = index.indices(self.length)
        if start >= stop:
            return []
        before, skipped, rounds = 0, -1, []
        for _, count, round_ids in self.years:
            if before + count > start and before < stop:
                rounds.extend(round_ids)
                skipped = before if skipped < 0 else skipped
            before += count
        # The ids first, from index entries alone (applications' application_public_order_idx), then the page's rows.
        ids = list(
            published_grants(**self.filters)
            .filter(application__round__in=rounds)
            .values_list("pk", flat=True)[start - skipped : stop - skipped]
        )
        page = Award.objects.filter(pk__in=ids).values("pk", "amount", **PUBLIC_GRANT_FIELDS)
        rows = {row["pk"]: {k: v for k, v in row.items() if k != "pk"} for row in page}
        return [rows[pk] for pk in ids]


def next_round_change(now: datetime.datetime) -> datetime.datetime | None:
    """When the list of open rounds next changes by the clock alone: the next opening or closing after `now`."""
    changes = Round.objects.aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
    )
    return min((at for at in changes.values() if at is not None), default=None)


def published_decisions() -> QuerySet[Decision]:
    """Decisions that have been made. Callers must show confidential ones through `public_view` only."""
    # PostgreSQL puts NULL first in a descending sort; a decision with no date recorded belongs at the end instead.
    return Decision.objects.filter(status=Decision.Status.MADE).order_by(
        F("decided_on").desc(nulls_last=True), "-number"
    )


def decisions_in_year(decisions: QuerySet[Decision], start_year: int) -> QuerySet[Decision]:
    """Decisions taken in the financial year starting 1 April `start_year`, as the annual report lists them."""
    year = FinancialYear(start_year=start_year)
    return decisions.filter(decided_on__range=(year.starts_on, year.ends_on))


def with_public_budgets(decisions: QuerySet[Decision]) -> QuerySet[Decision]:
    """Fetch the budgets decisions approve in one extra query, for `public_view` to list (public decisions only)."""
    return decisions.prefetch_related(
        Prefetch(
            "budgets", queryset=Budget.objects.select_related("stream", "year").order_by("-year__start_year")
        )
    )


CONFIDENTIAL_WORDING: dict[str, str] = {
    # The annual report's own words before a confidential decision's one-line description.
    Decision.Confidentiality.CONFIDENTIAL: "is a confidential decision relating to",
    Decision.Confidentiality.COMMERCIALLY_CONFIDENTIAL: "is a commercially confidential decision relating to",
}


def public_view(decision: Decision) -> dict:
    """What anyone may see of a decision. Confidential and commercially confidential decisions give their number,
    date and one-line public description, and nothing else."""
    public = decision.confidentiality == Decision.Confidentiality.PUBLIC
    if public:
        # A public decision may have no separate one-liner; its title then describes it.
        description = decision.public_description or decision.title
    else:
        # Never fall back to the title here: the title of a confidential decision is what must not be published.
        description = decision.public_description
    view: dict[str, Any] = {
        "number": decision.number,
        "decided_on": decision.decided_on,
        "confidentiality": decision.get_confidentiality_display(),
        "level": decision.confidentiality,
        "is_public": public,
        "description": description,
        # "is a confidential decision relating to …", as the annual report prints it; empty for public decisions.
        "statement": ""
        if public
        else f"{CONFIDENTIAL_WORDING[decision.confidentiality]} {description.rstrip('.')}",
    }
    if public:
        view["title"] = decision.title
        view["summary"] = decision.public_summary
        view["budgets"] = [
            {"stream": b.stream.name, "stream_slug": b.stream.slug, "year": b.year.label()}
            for b in decision.budgets.all()
        ]
    return view
