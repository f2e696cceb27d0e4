"""The forms a page shows, read from its HTML as a browser would, and the hostile submissions made from them.

A deterministic table of hostile values is combined per field: in submission j, field k gets value (j + k) mod n,
so across the table every field receives every value, in a bounded number of requests per form (no randomness:
a failure in CI is the same failure on a laptop).
"""

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html

from .probe import SCRIPT

HOSTILE = [
    "99999999999999999999999999",  # huge: more digits than any column holds
    "-1",
    "-99999999999.99",
    "74, 626",  # a thousands separator with a space, as typed from a printed table
    "1e400",  # a float overflow
    "NaN",
    "Infinity",
    "a\x00b",  # NUL: PostgreSQL refuses it in text
    "x" * 10_000,
    "\u202eevil\u202c مرحبا",  # right-to-left override, and right-to-left text
    SCRIPT,
    '=HYPERLINK("http://x","y")',  # formula text, for exports opened in Excel
    "31/02/2025",  # an impossible date
    "99",  # day 99, month 99
    "99999",  # year 99999
    "",
    "0",
    "２０２４",  # full-width digits
    "1.005",  # more decimal places than money has
    "£1,250.50",
    " ",
    "2025-02-31",
]
# A formset's management form: left as the page set it, except in one submission of its own.
MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
NAMES_OF_IDS = (
    "id",
    "pk",
    "application",
    "organisation",
    "line",
    "budget",
    "service",
    "provider",
    "return",
    "document",
    "round",
    "award",
    "commitment",
    "user",
    "area",
    "stream",
    "year",
)


@dataclass
class Form:
    page: str  # the URL the form was found on
    action: str  # where it posts, as a path with query
    method: str  # "post" or "get"
    fields: list  # [(name, kind, default values, option values)]
    submit: list  # [(name, value)] of named submit buttons; the first is the one a browser sends on Enter

    def signature(self) -> tuple:
        """The same form on another object's page (each return's review form, say) is sent once."""
        from django.urls import Resolver404, resolve

        try:
            target = resolve(urlsplit(self.action).path).view_name
        except Resolver404:
            target = self.action
        return target, self.method, tuple(sorted({n for n, *_ in self.fields}))

    def defaults(self) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for name, _kind, values, _options in self.fields:
            data.setdefault(name, []).extend(values)
        if self.submit:
            name, value = self.submit[0]
            data.setdefault(name, []).append(value)
        return data


def forms_on(page_url: str, body: bytes) -> list[Form]:
    try:
        doc = lxml.html.document_fromstring(body)
    except (ValueError, lxml.etree.ParserError):
        return []
    found = []
    for form in doc.forms:
        method = (form.get("method") or "get").lower()
        target = urljoin(page_url, form.get("action") or page_url)
        parts = urlsplit(target)
        if parts.netloc and parts.netloc not in ("testserver", ""):
            continue  # a form posting to another site
        action = parts.path + (f"?{parts.query}" if parts.query else "")
        fields, submit = [], []
        for element in form.iter("input", "select", "textarea", "button"):
            name = element.get("name")
            if not name or element.get("disabled") is not None:
                continue
            tag = element.tag
            kind = (
                (element.get("type") or ("submit" if tag == "button" else "text")).lower()
                if tag in ("input", "button")
                else tag
            )
            if kind in ("submit", "image"):
                submit.append((name, element.get("value") or ""))
                continue
            if kind in ("button", "reset"):
                continue
            if kind == "file":
                continue  # uploads are the file part of the harness (a7)
            options = []
            if tag == "select":
                options = [o.get("value", o.text_content().strip()) for o in element.iter("option")]
                chosen = [
                    o.get("value", o.text_content().strip())
                    for o in element.iter("option")
                    if o.get("selected") is not None
                ]
                values = chosen or (options[:1] if element.get("multiple") is None else [])
            elif kind in ("checkbox", "radio"):
                values = [element.get("value", "on")] if element.get("checked") is not None else []
                options = [element.get("value", "on")]
            elif tag == "textarea":
                values = [element.text or ""]
            else:
                values = [element.get("value") or ""]
            fields.append((name, kind, values, options))
        found.append(Form(page_url, action, method, _merge_radios(fields), submit))
    return found


def _merge_radios(fields: list) -> list:
    """Radios and checkboxes of one name are one field whose options are all their values."""
    merged: dict[str, list] = {}
    order = []
    for name, kind, values, options in fields:
        if name in merged and kind in ("radio", "checkbox"):
            merged[name][2].extend(values)
            merged[name][3].extend(options)
        else:
            if name not in merged:
                order.append(name)
            merged.setdefault(name, [name, kind, list(values), list(options)])
    return [tuple(merged[n]) for n in order]


def _is_id_field(name: str, kind: str, values: list, options: list) -> bool:
    if kind == "select" and options and sum(o.isdigit() for o in options) >= max(1, len(options) // 2):
        return True
    base = name.rsplit("-", 1)[-1].lower()
    if any(base == n or base.endswith(f"_{n}") or base.endswith(f"{n}_id") for n in NAMES_OF_IDS):
        return True
    return kind == "hidden" and bool(values) and values[0].isdigit()


ALL_ROUNDS = tuple(range(len(HOSTILE)))
# A quarter of the rounds: every field still gets six different hostile values, each field a different six.
FEW_ROUNDS = (0, 4, 8, 10, 12, 18)
# The admin's forms are Django's own, many and slow to render: three rounds, and the empty, missing and repeated ones.
ADMIN_ROUNDS = (0, 10, 14)


def hostile_submissions(form: Form, foreign_ids: list[int], rounds=ALL_ROUNDS) -> list[tuple[str, dict]]:
    """(what it is, data) for one form: as the page filled it, the table, empty, missing, duplicated, others' ids."""
    csrf = [f for f in form.fields if f[0] == "csrfmiddlewaretoken"]
    editable = [f for f in form.fields if f[0] != "csrfmiddlewaretoken"]
    base = form.defaults()
    keep = {name: base[name] for name, *_ in csrf}
    if form.submit:
        keep.setdefault(form.submit[0][0], []).append(form.submit[0][1])
    out = [("as the page filled it", base)]
    n = len(HOSTILE)
    for j in rounds:
        data = dict(base)
        for k, (name, kind, _values, _options) in enumerate(editable):
            # Every other round keeps the choices and hidden state as the page set them, so a view that routes on
            # them (an "action" field, a formset's management form) is reached with hostile text in the rest.
            if (j % 2 and kind in ("hidden", "select", "radio", "checkbox")) or name.endswith(MANAGEMENT):
                continue
            data[name] = [HOSTILE[(j + k) % n]]
        out.append((f"hostile #{j}", data))
    if editable:
        out.append(("every field empty", {**keep, **{name: [""] for name, *_ in editable}}))
        out.append(("every field missing", dict(keep)))
        management = [name for name, *_ in editable if name.endswith(MANAGEMENT)]
        if management:
            # Not a huge count: Django caps it at 1,000 forms, each rendered again, which only makes the run slow.
            out.append(
                (
                    "management form tampered",
                    {**base, **{name: ["-1" if k % 2 else "abc"] for k, name in enumerate(management)}},
                )
            )
        out.append(
            (
                "every field twice",
                {
                    **base,
                    **{
                        name: (base.get(name) or [""]) + [HOSTILE[k % n]]
                        for k, (name, *_) in enumerate(editable)
                        if not name.endswith(MANAGEMENT)
                    },
                },
            )
        )
    id_fields = [
        name for name, kind, values, options in editable if _is_id_field(name, kind, values, options)
    ]
    if id_fields:
        for foreign in foreign_ids:
            out.append(
                (
                    f"another organisation's id {foreign}",
                    {**base, **{name: [str(foreign)] for name in id_fields}},
                )
            )
    return out


def hostile_queries(form: Form) -> list[str]:
    """Query strings for a GET form (a filter or search): a few rounds of the table over its fields, and repeats."""
    from urllib.parse import urlencode

    editable = [f for f in form.fields if f[0] != "csrfmiddlewaretoken"]
    if not editable:
        return []
    n = len(HOSTILE)
    queries = []
    for j in (0, 3, 4, 7, 10, 12, 14, 9):
        queries.append(urlencode({name: HOSTILE[(j + k) % n][:300] for k, (name, *_) in enumerate(editable)}))
    queries.append(urlencode([(name, v) for name, *_ in editable for v in ("1", "2", "x")]))
    return queries
