from decimal import Decimal

from django import forms

from core.money import MAX_POUNDS, format_pounds
from funds.forms import PoundsField


class MoneyField(PoundsField):
    """Pounds typed as text ("1,250" or "1250.50"), with the message to show when it is left blank, and a ceiling
    lower than what the column holds (which parse_pounds enforces) where the form knows one: a round's largest
    grant, say."""

    def __init__(
        self,
        *,
        required_message: str = "Enter an amount",
        max_value: Decimal = MAX_POUNDS,
        max_message: str = "",
        **kwargs,
    ):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "inputmode": "decimal",
                    "data-prefix": "£",
                    "class": "govuk-input--width-10",
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message
        self.set_maximum(max_value, max_message)

    def set_maximum(self, max_value: Decimal, message: str = "") -> None:
        self.max_value = min(max_value, MAX_POUNDS)
        self.error_messages["max_value"] = (
            message or f"Enter an amount of {format_pounds(self.max_value)} or less"
        )

    def validate(self, value):
        super().validate(value)
        if value is not None and value > self.max_value:
            raise forms.ValidationError(self.error_messages["max_value"], code="max_value")


def word_count(text: str) -> int:
    return len((text or "").split())


def characters_for(words: int) -> int:
    """How many characters an answer limited to `words` words may have: room for long words, but not for a
    10,000-character string with no spaces that the word count alone would let through."""
    return words * 15
