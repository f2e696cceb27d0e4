"""Numbered pages of a long ordered list that cost about the same on page 1, in the middle and on the last page.

A plain `LIMIT 25 OFFSET n` makes the database build n full rows (with their joins) only to throw them away, so the
last page of 100,000 applications cost eight times the first. Two things keep every page cheap:

- the late row lookup: the page is found on the primary keys alone, which an index on the list's order holds, so the
  rows skipped are index entries, never table rows; then only the page's own rows are read, with their joins, in one
  query (`WHERE id IN (SELECT id ... ORDER BY ... LIMIT 25 OFFSET n)`);
- reading from the nearer end: a page past the middle is found by walking the mirrored order from the end, so the
  worst page is the middle one, and the last page costs what the first does.

Both need an order that gives every row one place: `page_of` adds the primary key as the last tiebreaker when the
order does not end with it. The mirrored order is exact (ASC NULLS FIRST becomes DESC NULLS LAST), so one index on
the order serves both directions.

`rows_between` works on any ordered queryset; `LatePaginator` is Django's Paginator using it, and
`LateRowLookupData` gives a django-tables2 table the same (pass `LateRowLookupData(queryset)` as the table's data).
"""

from django.core.paginator import Paginator
from django.db.models import F, OrderBy, QuerySet
from django.db.models.expressions import BaseExpression
from django_tables2.data import TableQuerysetData


def _order_by(term: object) -> OrderBy:
    if isinstance(term, OrderBy):
        return term
    if isinstance(term, str):
        descending = term.startswith("-")
        return OrderBy(F(term.lstrip("-")), descending=descending)
    if isinstance(term, BaseExpression) or hasattr(term, "resolve_expression"):
        return term.asc() if hasattr(term, "asc") else OrderBy(term)
    raise TypeError(f"Cannot page through an order by {term!r}")


def ordering_of(queryset: QuerySet) -> list[OrderBy]:
    """The queryset's order as expressions, the primary key last (added, ascending, if the order lacks it)."""
    query = queryset.query
    terms = list(query.order_by) or (list(query.get_meta().ordering) if query.default_ordering else [])
    if any(term == "?" for term in terms):
        raise ValueError("A random order has no pages")
    ordering = [_order_by(term) for term in terms]
    pk_names = {"pk", queryset.model._meta.pk.name, queryset.model._meta.pk.attname}
    last = ordering[-1].expression if ordering else None
    if not (isinstance(last, F) and last.name in pk_names):
        ordering.append(OrderBy(F("pk")))
    return ordering


def mirrored(ordering: list[OrderBy]) -> list[OrderBy]:
    """The same order read from the other end: every term flipped, NULLs included."""
    return [
        OrderBy(
            term.expression,
            descending=not term.descending,
            nulls_first=True if term.nulls_last else None,
            nulls_last=True if term.nulls_first else None,
        )
        for term in ordering
    ]


def rows_between(queryset: QuerySet, start: int, stop: int, *, total: int | None = None) -> QuerySet:
    """Rows start..stop (0-based, stop excluded) of the ordered queryset, found on the primary keys alone and then
    read in one query, with the queryset's joins and prefetches. `total` (the queryset's count, when the caller has it
    already) lets a page past the middle be found from the end."""
    ordering = ordering_of(queryset)
    if total is not None and start > total - stop:
        keys = queryset.order_by(*mirrored(ordering)).values("pk")[
            max(total - stop, 0) : max(total - start, 0)
        ]
    else:
        keys = queryset.order_by(*ordering).values("pk")[start:stop]
    return queryset.filter(pk__in=keys).order_by(*ordering)


class LatePaginator(Paginator):
    """Django's Paginator over an ordered queryset, each page read by rows_between. It counts once (as Paginator
    does) and hands that count on, so no page counts again."""

    def page(self, number: int | str):  # type: ignore[override]
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if top + self.orphans >= self.count:
            top = self.count
        rows = rows_between(self.object_list, bottom, top, total=self.count)
        return self._get_page(rows, number, self)


class LateRowLookupData(TableQuerysetData):
    """django-tables2's queryset data, except that a slice (the paginated table's page) is read by rows_between,
    after the table's own ordering (its order_FOO methods) has been applied. The count the paginator made is reused.
    """

    def __getitem__(self, key: int | slice):
        if isinstance(key, slice) and key.step is None and hasattr(self.table, "paginator"):
            start = key.start or 0
            stop = len(self) if key.stop is None else key.stop
            return rows_between(self.data, start, stop, total=len(self))
        return super().__getitem__(key)
