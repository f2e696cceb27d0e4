from django import forms

from funds.forms import YearField


class YearForm(forms.Form):
    year = YearField()
