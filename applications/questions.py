"""A round's own questions: the frozen definition of a form, the Django form that asks one section of it, and how
each kind of answer is stored, shown and exported.

A definition is plain data (it is stored on applications.FormVersion and never changes):

    {"sections": [{"key": "s12", "title": "...", "description": "...", "questions": [
        {"key": "34", "kind": "single_choice", "text": "...", "hint": "...", "required": true,
         "options": ["Yes", "No"], "shown_if": {"question": "33", "value": "Yes"}, ...}]}]}

A question's key is its Question row's id, so an answer stays attached to its question across versions. Answers are
stored by key, each kind in one shape:

    short_text, long_text, email, phone, single_choice, yes_no  "text"
    whole_number                                                  "1250" (digits only)
    money                                                         "1250.00"
    date                                                          "2025-03-31"
    multiple_choice                                               ["an option", ...]
    address                                                       {"line_1", "line_2", "town", "county", "postcode"}
    file                                                          {"document": 12, "name": "policy.pdf"}
    repeating_group                                               [{column key: answer of that column's kind}, ...]
"""

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.utils.html import escape

from core.money import format_pounds
from core.numbers import NumberError, parse_number
from core.uploads import CheckedFileField

from .fields import MoneyField, characters_for, word_count

SHORT_TEXT_LIMIT = 200
LARGEST_WHOLE_NUMBER = 999_999_999
# A UK postcode, as Royal Mail writes them (the space is optional when typed): "B1 1AA", "WV10 0QP", "GIR 0AA".
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")
ADDRESS_PARTS = [
    # (part, label, required, autocomplete, width class)
    ("line_1", "Address line 1", True, "address-line1", ""),
    ("line_2", "Address line 2 (optional)", False, "address-line2", ""),
    ("town", "Town or city", True, "address-level2", "govuk-!-width-two-thirds"),
    ("county", "County (optional)", False, "", "govuk-!-width-two-thirds"),
    ("postcode", "Postcode", True, "postal-code", "govuk-input--width-10"),
]
DATE_PARTS = [
    ("day", "Day", "govuk-input--width-2"),
    ("month", "Month", "govuk-input--width-2"),
    ("year", "Year", "govuk-input--width-4"),
]
COLUMN_KINDS = ("short_text", "whole_number", "money", "date")


# ---------------------------------------------------------------------------------------------------------------------
# The definition


def _options(kind: str, options: str) -> list[str]:
    if kind == "yes_no":
        return ["Yes", "No"]
    return [line.strip() for line in (options or "").splitlines() if line.strip()]


def _question(q, columns: list) -> dict:
    entry = {"key": str(q.pk), "kind": q.kind, "text": q.text, "hint": q.hint, "required": bool(q.required)}
    if q.kind == "long_text":
        entry["max_words"] = q.max_words
    if q.kind in ("single_choice", "multiple_choice", "yes_no"):
        entry["options"] = _options(q.kind, q.options)
    if q.kind == "repeating_group":
        entry["max_rows"] = q.max_rows
        entry["columns"] = [
            {
                "key": str(c.pk),
                "kind": c.kind if c.kind in COLUMN_KINDS else "short_text",
                "text": c.text,
                "hint": c.hint,
                "required": bool(c.required),
            }
            for c in columns
        ]
    if q.shown_if_id:
        entry["shown_if"] = {"question": str(q.shown_if_id), "value": q.shown_if_value.strip()}
    if q.output and q.kind == "whole_number":
        entry["output"] = q.output.strip()
    return entry


def definition(sections: Iterable, questions: Iterable) -> dict:
    """The frozen form from its Section and Question rows (or anything with the same attributes: the migration that
    made the first versions passes its historical models). Sections in order, their questions in order, a repeating
    group's columns inside it."""
    questions = sorted(questions, key=lambda q: (q.order, q.pk))
    columns: dict[int, list] = {}
    for q in questions:
        if q.group_id:
            columns.setdefault(q.group_id, []).append(q)
    out = []
    for section in sorted(sections, key=lambda s: (s.order, s.pk)):
        asked = [
            _question(q, columns.get(q.pk, []))
            for q in questions
            if q.section_id == section.pk and not q.group_id
        ]
        out.append(
            {
                "key": f"s{section.pk}",
                "title": section.title,
                "description": section.description,
                "questions": asked,
            }
        )
    return {"sections": out}


def all_questions(form: dict) -> list[dict]:
    return [q for section in form.get("sections", []) for q in section["questions"]]


def section_of(form: dict, key: str) -> dict | None:
    return next((s for s in form.get("sections", []) if s["key"] == key), None)


def is_shown(question: dict, answers: dict) -> bool:
    """Whether the question is asked, given the answers so far. A condition on a question that was never answered
    (or was itself not asked) is not met."""
    condition = question.get("shown_if")
    if not condition:
        return True
    given = answers.get(condition["question"])
    wanted = condition["value"].casefold()
    if isinstance(given, list):
        return any(str(g).casefold() == wanted for g in given)
    return given is not None and str(given).casefold() == wanted


def is_answered(question: dict, value) -> bool:
    if value in (None, "", [], {}):
        return False
    if question["kind"] == "address" and isinstance(value, dict):
        return any(value.get(part) for part, *_ in ADDRESS_PARTS)
    return True


def unanswered(form: dict, answers: dict, section_key: str | None = None) -> list[dict]:
    """The required questions asked but not answered: what stops a form being submitted."""
    missing = []
    for section in form.get("sections", []):
        if section_key and section["key"] != section_key:
            continue
        for q in section["questions"]:
            if q["required"] and is_shown(q, answers) and not is_answered(q, answers.get(q["key"])):
                missing.append(q)
    return missing


# ---------------------------------------------------------------------------------------------------------------------
# Showing answers


def display(question: dict, value) -> str:
    """The answer as one line of plain text: check answers, the staff page and the export cell all use it."""
    if not is_answered(question, value):
        return ""
    try:
        return _display(question, value)
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
        # An answer stored in another shape (typed in before the question changed kind): shown as it is.
        return str(value)


def _display(question: dict, value) -> str:
    kind = question["kind"]
    if kind == "money":
        return format_pounds(Decimal(value), pence=None)
    if kind == "whole_number":
        return f"{int(value):,}"
    if kind == "date":
        return f"{datetime.date.fromisoformat(value):%-d %B %Y}"
    if kind == "multiple_choice":
        return ", ".join(value)
    if kind == "address":
        return ", ".join(value[part] for part, *_ in ADDRESS_PARTS if value.get(part))
    if kind == "file":
        return value.get("name", "")
    if kind == "repeating_group":
        return "; ".join(
            ", ".join(
                f"{c['text']}: {display(c, row.get(c['key']))}"
                for c in question["columns"]
                if row.get(c["key"])
            )
            for row in value
        )
    return str(value)


def display_lines(question: dict, value) -> list[str]:
    """The answer as lines, for pages: an address or a repeating group's rows one per line."""
    if not is_answered(question, value):
        return []
    if question["kind"] == "address" and isinstance(value, dict):
        return [value[part] for part, *_ in ADDRESS_PARTS if value.get(part)]
    if question["kind"] == "repeating_group" and isinstance(value, list):
        if not all(isinstance(row, dict) for row in value):
            return [str(value)]
        return [
            ", ".join(
                f"{c['text']}: {display(c, row.get(c['key']))}"
                for c in question["columns"]
                if row.get(c["key"])
            )
            for row in value
        ]
    if question["kind"] == "multiple_choice" and isinstance(value, list):
        return [str(v) for v in value]
    return display(question, value).splitlines() or [""]


def _document_of(question: dict, value) -> int | None:
    """The document id a file question's answer points at, to link to it."""
    if question["kind"] == "file" and isinstance(value, dict) and isinstance(value.get("document"), int):
        return value["document"]
    return None


def answered_sections(form: dict, answers: dict) -> list[dict]:
    """Each section with each asked question and its answer's lines, for check answers and the staff page."""
    return [
        {
            "key": s["key"],
            "title": s["title"],
            "rows": [
                {
                    "question": q,
                    "lines": display_lines(q, answers.get(q["key"])),
                    "document": _document_of(q, answers.get(q["key"])),
                }
                for q in s["questions"]
                if is_shown(q, answers)
            ],
        }
        for s in form.get("sections", [])
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Asking one section


class TextInput(forms.TextInput):
    pass


def _text(label: str, max_length: int, what: str = "", **kwargs) -> forms.CharField:
    """A text field whose length limit says what to fix, in GOV.UK words."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        error_messages={"max_length": f"{what or label} must be {max_length:,} characters or fewer"},
        **kwargs,
    )


class SectionForm(forms.Form):
    """One section's questions as a Django form. Every field is optional to Django: which questions are asked (and so
    required) depends on the answers to earlier ones, so `clean` decides. `values_to_save` gives the answers that
    passed, keyed by question, and the files chosen; `questions` is what the template walks."""

    def __init__(
        self,
        *args,
        section: dict,
        answers: dict,
        rows: dict[str, int] | None = None,
        lenient: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Lenient: saved to come back to later, so a question left empty is not an error yet (submitting checks
        # them all); an answer given must still be one the question accepts.
        self.section, self.saved, self.lenient = section, answers, lenient
        self.keys_here = {q["key"] for q in section["questions"]}
        self.rows = {}
        self.asked: list[dict] = []
        for q in section["questions"]:
            condition = q.get("shown_if")
            # A condition on an earlier section is settled already: a question it hides is not asked at all.
            if condition and condition["question"] not in self.keys_here and not is_shown(q, answers):
                continue
            self.asked.append(q)
            self._add_fields(q, rows or {})

    # -- fields per kind ----------------------------------------------------------------------------------------------

    def _name(self, q: dict, part: str = "") -> str:
        return f"q_{q['key']}" + (f"_{part}" if part else "")

    def _add_fields(self, q: dict, rows: dict[str, int]) -> None:
        kind, name = q["kind"], self._name(q)
        label = q["text"] if q["required"] else f"{q['text']} (optional)"
        hint = escape(" ".join(filter(None, [self._condition_text(q), q.get("hint", "")])))
        if kind == "date":
            for part, part_label, _ in DATE_PARTS:
                self.fields[self._name(q, part)] = _text(
                    part_label, 10, widget=forms.TextInput(attrs={"inputmode": "numeric"})
                )
            return
        if kind == "address":
            for part, part_label, _, autocomplete, _ in ADDRESS_PARTS:
                attrs = {"autocomplete": autocomplete} if autocomplete else {}
                self.fields[self._name(q, part)] = _text(part_label, 100, widget=forms.TextInput(attrs=attrs))
            return
        if kind == "repeating_group":
            saved = self.saved.get(q["key"]) or []
            count = max(len(saved) + (0 if saved else 1), rows.get(q["key"], 0), 1)
            count = min(count, q["max_rows"])
            self.rows[q["key"]] = count
            for n in range(1, count + 1):
                for c in q["columns"]:
                    field = self._column_field(c, f"{c['text']} (row {n})")
                    self.fields[self._name(q, f"{n}_{c['key']}")] = field
            return
        self.fields[name] = self._simple_field(q, label, hint)

    def _column_field(self, c: dict, label: str) -> forms.Field:
        if c["kind"] == "money":
            return MoneyField(label=label, required=False)
        if c["kind"] == "whole_number":
            return _text(
                label,
                20,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
            )
        if c["kind"] == "date":
            return _text(
                label,
                20,
                widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
                help_text="For example, 27 3 2025",
            )
        return _text(label, SHORT_TEXT_LIMIT)

    def _simple_field(self, q: dict, label: str, hint: str) -> forms.Field:
        kind = q["kind"]
        if kind == "short_text":
            return _text(label, SHORT_TEXT_LIMIT, "Your answer", help_text=hint)
        if kind == "long_text":
            words = q.get("max_words", 250)
            field = _text(
                label,
                characters_for(words),
                "Your answer",
                help_text=hint,
                widget=forms.Textarea(attrs={"rows": 5, "class": "govuk-js-character-count"}),
            )
            field.max_words = words
            return field
        if kind == "whole_number":
            return _text(
                label,
                40,
                "Your answer",
                help_text=hint,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "class": "govuk-input--width-10", "spellcheck": "false"}
                ),
            )
        if kind == "money":
            return MoneyField(label=label, help_text=hint, required=False)
        if kind in ("single_choice", "yes_no"):
            return forms.ChoiceField(
                label=label,
                help_text=hint,
                required=False,
                widget=forms.RadioSelect,
                choices=[(o, o) for o in q["options"]],
                error_messages={"invalid_choice": f"Select one of the options for: {label}"},
            )
        if kind == "multiple_choice":
            return forms.MultipleChoiceField(
                label=label,
                help_text=hint,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(o, o) for o in q["options"]],
                error_messages={"invalid_choice": f"Select from the options for: {label}"},
            )
        if kind == "email":
            return forms.EmailField(
                label=label,
                help_text=hint,
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
                error_messages={
                    "invalid": "Enter an email address in the correct format, like name@example.com",
                    "max_length": "An email address must be 254 characters or fewer",
                },
            )
        if kind == "phone":
            return _text(
                label,
                40,
                "A phone number",
                help_text=hint,
                widget=forms.TextInput(
                    attrs={"type": "tel", "autocomplete": "tel", "class": "govuk-input--width-20"}
                ),
            )
        if kind == "file":
            existing = self.saved.get(q["key"])
            note = (
                f" You have uploaded {escape(existing['name'])}. Choose a file only to replace it."
                if existing
                else ""
            )
            return CheckedFileField(
                label=label,
                help_text=(hint + " " if hint else "")
                + "PDF, Word (DOCX), Excel (XLSX) or an image, smaller than 10MB."
                + note,
                required=False,
            )
        return _text(label, SHORT_TEXT_LIMIT, "Your answer", help_text=hint)

    # -- checking -----------------------------------------------------------------------------------------------------

    def _posted(self, data: dict) -> dict:
        """The answers as this page has them: saved answers overlaid with what was posted for the questions here, so a
        condition on a question on this page follows what was just chosen."""
        merged = dict(self.saved)
        for q in self.asked:
            if q["kind"] in ("single_choice", "yes_no", "multiple_choice"):
                merged[q["key"]] = data.get(self._name(q)) or None
        return merged

    def clean(self):
        data = super().clean()
        answers = self._posted(data)
        self.values: dict[str, object] = {}
        self.uploads: dict[str, object] = {}
        for q in self.asked:
            if not is_shown(q, answers):
                # Hidden by an answer on this page: whatever was typed is dropped, so no answer is kept to a
                # question that was not asked.
                self.values[q["key"]] = None
                continue
            self._clean_question(q, data)
        return data

    def _required(self, q: dict, name: str, message: str) -> None:
        if q["required"] and not self.lenient:
            self.add_error(name, message)

    def _clean_question(self, q: dict, data: dict) -> None:
        kind, name, key, text = q["kind"], self._name(q), q["key"], q["text"]
        if kind == "date":
            self._clean_date(q, data)
            return
        if kind == "address":
            self._clean_address(q, data)
            return
        if kind == "repeating_group":
            self._clean_group(q, data)
            return
        if name in self.errors:
            return
        value = data.get(name)
        if kind == "file":
            if value:
                self.uploads[key] = value
            elif not self.saved.get(key):
                self._required(q, name, f"Select a file for: {text}")
            return
        if value in (None, "", []):
            what = {
                "single_choice": "Select an answer for",
                "yes_no": "Select yes or no for",
                "multiple_choice": "Select at least one option for",
            }.get(kind, "Answer the question")
            self._required(q, name, f"{what}: {text}")
            self.values[key] = None
            return
        if kind == "long_text":
            words = word_count(value)
            if words > q.get("max_words", 250):
                self.add_error(name, f"Your answer must be {q['max_words']} words or fewer. It has {words}")
                return
        if kind == "whole_number":
            value = self._whole_number(value, name)
            if value is None:
                return
        if kind == "money":
            value = f"{value:.2f}"
        if kind == "phone":
            value = value.strip()
            digits = [c for c in value if c.isdigit()]
            if len(digits) < 10 or len(digits) > 15 or any(c not in "0123456789 +()-" for c in value):
                self.add_error(name, "Enter a phone number, like 01632 960 001 or 07700 900 982")
                return
        if kind == "email":
            value = value.strip()
        self.values[key] = value

    def _whole_number(self, raw: str, name: str) -> str | None:
        try:
            number = parse_number(raw, places=0, maximum=LARGEST_WHOLE_NUMBER)
        except NumberError as exc:
            message = {
                "negative": "Enter a number of 0 or more",
                "places": "Enter a whole number, like 25",
                "too_big": f"Enter a number of {LARGEST_WHOLE_NUMBER:,} or less",
            }.get(exc.kind, "Enter a whole number, like 25 or 1,250")
            self.add_error(name, message)
            return None
        return str(int(number))

    def _clean_date(self, q: dict, data: dict) -> None:
        parts = {part: (data.get(self._name(q, part)) or "").strip() for part, *_ in DATE_PARTS}
        first = self._name(q, "day")
        if not any(parts.values()):
            self._required(q, first, f"Enter a date for: {q['text']}")
            self.values[q["key"]] = None
            return
        missing = [label.lower() for part, label, _ in DATE_PARTS if not parts[part]]
        if missing:
            self.add_error(
                self._name(q, next(p for p, *_ in DATE_PARTS if not parts[p])),
                f"The date for ‘{q['text']}’ must include a {' and '.join(missing)}",
            )
            return
        try:
            day, month, year = (int(parts[p]) for p in ("day", "month", "year"))
            if not 1900 <= year <= 2200:
                raise ValueError
            value = datetime.date(year, month, day)
        except ValueError:
            self.add_error(first, f"The date for ‘{q['text']}’ must be a real date, like 27 3 2025")
            return
        self.values[q["key"]] = value.isoformat()

    def _clean_address(self, q: dict, data: dict) -> None:
        parts = {part: (data.get(self._name(q, part)) or "").strip() for part, *_ in ADDRESS_PARTS}
        if not any(parts.values()):
            self._required(q, self._name(q, "line_1"), f"Enter an address for: {q['text']}")
            self.values[q["key"]] = None
            return
        ok = True
        for part, label, required, *_ in ADDRESS_PARTS:
            if required and not parts[part]:
                self.add_error(self._name(q, part), f"Enter the {label.lower()} of the address")
                ok = False
        postcode = re.sub(r"\s+", "", parts["postcode"].upper())
        if postcode and not POSTCODE.match(postcode):
            self.add_error(self._name(q, "postcode"), "Enter a full UK postcode, like B1 1AA")
            ok = False
        if ok:
            parts["postcode"] = f"{postcode[:-3]} {postcode[-3:]}"
            self.values[q["key"]] = parts

    def _clean_group(self, q: dict, data: dict) -> None:
        rows = []
        for n in range(1, self.rows[q["key"]] + 1):
            cells = {c["key"]: data.get(self._name(q, f"{n}_{c['key']}")) for c in q["columns"]}
            names = {c["key"]: self._name(q, f"{n}_{c['key']}") for c in q["columns"]}
            if all(v in (None, "") for v in cells.values()) and not any(
                names[k] in self.errors for k in names
            ):
                continue
            row, ok = {}, True
            for c in q["columns"]:
                value, cell = cells[c["key"]], names[c["key"]]
                if cell in self.errors:
                    ok = False
                    continue
                if value in (None, ""):
                    if c["required"]:
                        self.add_error(cell, f"Enter the {c['text'].lower()} for row {n}")
                        ok = False
                    continue
                if c["kind"] == "whole_number":
                    value = self._whole_number(value, cell)
                    ok = ok and value is not None
                elif c["kind"] == "money":
                    value = f"{value:.2f}"
                elif c["kind"] == "date":
                    value = self._column_date(value, cell, n, c)
                    ok = ok and value is not None
                row[c["key"]] = value
            rows.append(row)
            if not ok:
                return
        if not rows:
            self._required(
                q,
                self._name(q, f"1_{q['columns'][0]['key']}") if q["columns"] else self._name(q),
                f"Add at least one row for: {q['text']}",
            )
            self.values[q["key"]] = None
            return
        self.values[q["key"]] = rows

    def _column_date(self, raw: str, cell: str, n: int, c: dict) -> str | None:
        from funds.forms import DATE_FORMATS

        text = re.sub(r"\s+", " ", raw.strip())
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        self.add_error(cell, f"Enter the {c['text'].lower()} for row {n} as a real date, like 27 3 2025")
        return None

    def values_to_save(self) -> dict:
        """The answers that passed, by question key (None removes an answer), and the files chosen, by key."""
        if not hasattr(self, "values"):
            return {"answers": {}, "uploads": {}}
        failed = set(self.errors)
        answers = {
            key: value
            for key, value in self.values.items()
            if not any(
                name.startswith(f"q_{key}") and (name == f"q_{key}" or name[len(f"q_{key}")] == "_")
                for name in failed
            )
        }
        return {"answers": answers, "uploads": self.uploads}

    # -- for the template ---------------------------------------------------------------------------------------------

    def _condition_text(self, q: dict) -> str:
        """For a question that depends on an answer on this page: when to answer it (all a reader without
        JavaScript, or with a screen reader that reached it first, has to go on)."""
        condition = q.get("shown_if")
        if not condition or condition["question"] not in self.keys_here:
            return ""
        controller = next((c for c in self.section["questions"] if c["key"] == condition["question"]), None)
        if controller is None:
            return ""
        return f"Answer this only if you answered ‘{condition['value']}’ to ‘{controller['text']}’."

    def questions(self) -> list[dict]:
        """What the template walks: each asked question with its bound fields, in the shape its kind renders."""
        out = []
        for q in self.asked:
            item = {
                "q": q,
                "kind": q["kind"],
                "id": f"question-{q['key']}",
                "hint": escape(q.get("hint", "")),
            }
            condition = q.get("shown_if")
            if condition and condition["question"] in self.keys_here:
                item["shown_if"] = {"name": f"q_{condition['question']}", "value": condition["value"]}
            item["condition_text"] = self._condition_text(q)
            if q["kind"] == "date":
                item["parts"] = [(self[self._name(q, p)], cls) for p, _, cls in DATE_PARTS]
                item["errors"] = [e for bf, _ in item["parts"] for e in bf.errors]
            elif q["kind"] == "address":
                item["parts"] = [(self[self._name(q, p)], cls) for p, _, _, _, cls in ADDRESS_PARTS]
                item["errors"] = [e for bf, _ in item["parts"] for e in bf.errors]
            elif q["kind"] == "repeating_group":
                item["columns"] = q["columns"]
                item["rows"] = [
                    [self[self._name(q, f"{n}_{c['key']}")] for c in q["columns"]]
                    for n in range(1, self.rows[q["key"]] + 1)
                ]
                item["errors"] = [e for row in item["rows"] for bf in row for e in bf.errors]
                item["can_add"] = self.rows[q["key"]] < q["max_rows"]
            else:
                item["field"] = self[self._name(q)]
            out.append(item)
        return out


def posted_rows(form: dict, posted, action: str = "") -> dict[str, int]:
    """How many rows each repeating group of `form` had on the page posted (its cells are named
    q_<group>_<row>_<column>), with one more for the group whose "Add another row" (action "add_row:<group>") was
    pressed; never more than the group's most. The application's sections and grant reports both use it."""
    groups = {q["key"]: q for q in all_questions(form) if q["kind"] == "repeating_group"}
    rows: dict[str, int] = {}
    for name in posted:
        parts = name.split("_")
        if len(parts) == 4 and parts[0] == "q" and parts[1] in groups and parts[2].isdigit():
            rows[parts[1]] = max(rows.get(parts[1], 0), int(parts[2]))
    adding = action.removeprefix("add_row:") if action.startswith("add_row:") else None
    if adding in groups:
        rows[adding] = rows.get(adding, 0) + 1
    return {key: min(count, groups[key]["max_rows"]) for key, count in rows.items()}


def initial_for(section: dict, answers: dict) -> dict:
    """A section form's initial data from saved answers, in the fields' own shapes."""
    initial: dict = {}
    for q in section["questions"]:
        value, name = answers.get(q["key"]), f"q_{q['key']}"
        if value in (None, ""):
            continue
        try:
            initial.update(_initial_of(q, name, value))
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError):
            # An answer stored in another shape (the question changed kind since): start that question afresh.
            continue
    return initial


def _initial_of(q: dict, name: str, value) -> dict:
    kind = q["kind"]
    if kind == "date":
        day = datetime.date.fromisoformat(value)
        return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}
    if kind == "address":
        return {f"{name}_{part}": value.get(part, "") for part, *_ in ADDRESS_PARTS}
    if kind == "repeating_group":
        initial = {}
        for n, row in enumerate(value, start=1):
            for c in q["columns"]:
                cell = row.get(c["key"])
                if cell in (None, ""):
                    continue
                if c["kind"] == "money":
                    cell = f"{Decimal(cell):,.2f}".replace(".00", "")
                elif c["kind"] == "date":
                    cell = f"{datetime.date.fromisoformat(cell):%-d %-m %Y}"
                initial[f"{name}_{n}_{c['key']}"] = cell
        return initial
    if kind == "money":
        return {name: f"{Decimal(value):,.2f}".replace(".00", "")}
    if kind == "file":
        return {}
    return {name: value}


def export_columns(forms_: Iterable[dict]) -> list[dict]:
    """One column per question across every version of a form, in the order first met, latest wording."""
    columns: dict[str, dict] = {}
    for form in forms_:
        for q in all_questions(form):
            columns[q["key"]] = q if q["key"] not in columns else {**columns[q["key"]], "text": q["text"]}
    return list(columns.values())
