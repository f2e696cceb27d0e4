from django import forms

from funds.forms import PoundsField


class MoneyField(PoundsField):
    """Pounds typed as text ("1,250" or "1250.50"), with the message to show when it is left blank."""

    def __init__(self, *, required_message: str = "Enter an amount", **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "data-prefix": "£",
                                                            "class": "govuk-input--width-10", "spellcheck": "false"}))
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message


def word_count(text: str) -> int:
    return len((text or "").split())
