from django import forms

from funds.money import AmountError, parse_pounds


class MoneyField(forms.CharField):
    """Pounds typed as text ("1,250" or "1250.50"), read by funds.money.parse_pounds and its messages."""

    def __init__(self, *, required_message: str = "Enter an amount", **kwargs):
        self.required_message = required_message
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "data-prefix": "£",
                                                            "class": "govuk-input--width-10", "spellcheck": "false"}))
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_pounds(value)
        except AmountError as exc:
            raise forms.ValidationError(str(exc)) from exc


def word_count(text: str) -> int:
    return len((text or "").split())
