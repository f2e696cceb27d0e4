"""The audit trail, filtered as on its page, as a CSV file: one event a row, in the same words the page uses."""

import csv
import io

from django.utils import timezone

from reports.audit_trail import describe, filtered_trail
from reports.forms import AuditTrailFilterForm

HEADINGS = ["When", "Who", "What happened", "Kind of record", "Record", "Before and after", "Reason"]
CHUNK = 500
# A cell starting with one of these is run as a formula when the CSV is opened in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def audit_trail_csv(params: dict) -> bytes:
    """RFC 4180 CSV in UTF-8 with a byte order mark, so Excel reads the £ and the arrows. The filter is the page's
    form bound to the same values: a value that did not validate then is left out now too."""
    form = AuditTrailFilterForm(params)
    form.is_valid()
    events = filtered_trail(form.filters())
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    chunk = []
    # Described a chunk at a time, so a long trail costs a few queries per 500 events, not a few per event.
    for event in events.iterator(chunk_size=CHUNK):
        chunk.append(event)
        if len(chunk) == CHUNK:
            _write(writer, chunk)
            chunk = []
    _write(writer, chunk)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _write(writer, events) -> None:
    for view in describe(events):
        writer.writerow(
            [
                timezone.localtime(view.when).strftime("%Y-%m-%d %H:%M:%S"),
                _text(view.who),
                _text(view.what),
                _text(view.kind),
                _text(view.subject),
                _text(view.changes_text),
                _text(view.reason),
            ]
        )
