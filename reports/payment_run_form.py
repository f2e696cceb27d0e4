"""What finance asks the payment run file for: a period, as two GOV.UK date inputs (day, month and year boxes), and a
format. Each date's message is put on the box to fix (the first one missing, or the day when the date is not real),
so the error summary links to it."""

import datetime

from django import forms

from .payment_run import FORMATS

LONGEST = 400  # days in a period, from and to counted in
PARTS = (("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4))
DATES = (("from", "From", "The first day of payments to include"), ("to", "To", "The last day, included too"))


def _part(label: str, width: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-width": str(width)}),
    )


class PaymentRunForm(forms.Form):
    from_day, from_month, from_year = (_part(label, width) for _key, label, width in PARTS)
    to_day, to_month, to_year = (_part(label, width) for _key, label, width in PARTS)
    format = forms.ChoiceField(
        label="Format",
        choices=list(FORMATS.items()),
        initial="csv",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose CSV or Excel", "invalid_choice": "Choose CSV or Excel"},
    )

    def _date(self, which: str) -> datetime.date | None:
        raw = {key: (self.cleaned_data.get(f"{which}_{key}") or "").strip() for key, _label, _width in PARTS}
        if not any(raw.values()):
            self.add_error(f"{which}_day", f"Enter the ‘{which}’ date")
            return None
        missing = [key for key, _label, _width in PARTS if not raw[key]]
        if missing:
            self.add_error(
                f"{which}_{missing[0]}", f"The ‘{which}’ date must include a {' and a '.join(missing)}"
            )
            return None
        if not all(value.isascii() and value.isdigit() for value in raw.values()) or len(raw["year"]) != 4:
            self.add_error(f"{which}_day", f"The ‘{which}’ date must be a real date, like 31 3 2025")
            return None
        try:
            return datetime.date(int(raw["year"]), int(raw["month"]), int(raw["day"]))
        except ValueError:
            self.add_error(f"{which}_day", f"The ‘{which}’ date must be a real date, like 31 3 2025")
            return None

    def clean(self):
        cleaned = super().clean()
        start, end = self._date("from"), self._date("to")
        if start and end:
            if end < start:
                self.add_error("to_day", "The ‘to’ date must be the same as or after the ‘from’ date")
            elif (end - start).days + 1 > LONGEST:
                self.add_error(
                    "to_day", f"The period must be {LONGEST} days or shorter: choose a later ‘from’ date"
                )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def date_groups(self) -> list[dict]:
        """Each date as the template draws it: its legend, hint, messages and boxes."""
        groups = []
        for which, legend, hint in DATES:
            parts = [self[f"{which}_{key}"] for key, _label, _width in PARTS]
            groups.append(
                {
                    "name": which,
                    "legend": legend,
                    "hint": f"{hint}. For example, 1 4 2025",
                    "errors": [error for part in parts for error in part.errors],
                    "parts": [
                        (part, width) for part, (_key, _label, width) in zip(parts, PARTS, strict=True)
                    ],
                }
            )
        return groups
