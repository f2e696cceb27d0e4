import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from core.templatetags.govuk import govuk_datetime

from .audit_trail import EventView, describe


def _column(heading: str) -> tables.Column:
    # Every cell is drawn from the page's EventView, so no column reads the record itself or sorts: the trail is
    # always newest first.
    return tables.Column(accessor="pk", verbose_name=heading, orderable=False, empty_values=())


class AuditTrailTable(tables.Table):
    """The audit trail, one event a row, in words (reports.audit_trail)."""

    when = _column("When")
    who = _column("Who")
    what = _column("What happened")
    subject = _column("Record")
    changes = _column("Before and after")
    reason = _column("Reason")

    class Meta:
        empty_text = "No events match these filters"
        attrs = {"class": "app-audit-trail"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._views: dict[int, EventView] = {}

    def describe_page(self) -> None:
        """Put the page's events into words at once, after pagination: one query per kind of row they name."""
        rows = self.paginated_rows if self.page else self.rows
        self._views = {view.event.pk: view for view in describe(row.record for row in rows)}

    def _view(self, record) -> EventView:
        if record.pk not in self._views:  # rendered without describe_page(): describe this one alone
            self._views[record.pk] = describe([record])[0]
        return self._views[record.pk]

    def render_when(self, record):
        return govuk_datetime(self._view(record).when)

    def render_who(self, record):
        return self._view(record).who

    def render_what(self, record):
        return self._view(record).what

    def render_subject(self, record):
        view = self._view(record)
        if not view.kind:
            return "—"
        if view.subject_url:
            return format_html(
                '<span class="govuk-caption-s">{}</span><a class="govuk-link" href="{}">{}</a>',
                view.kind,
                view.subject_url,
                view.subject,
            )
        return format_html('<span class="govuk-caption-s">{}</span>{}', view.kind, view.subject or "—")

    def render_changes(self, record):
        changes = self._view(record).changes
        if not changes:
            return "—"
        return format_html(
            '<ul class="govuk-list govuk-!-font-size-16 govuk-!-margin-bottom-0">{}</ul>',
            format_html_join(
                "",
                "<li>{}</li>",
                (
                    (
                        format_html("{}: {}", c.label, c.after)
                        if c.before is None
                        else format_html("{}: {} (removed)", c.label, c.before)
                        if c.after is None
                        else format_html("{}: {} → {}", c.label, c.before, c.after),
                    )
                    for c in changes
                ),
            ),
        )

    def render_reason(self, record):
        return self._view(record).reason
