"""GOV.UK Design System helpers for Django templates.

{% load govuk %}
{% govuk_field form.name %}
{% govuk_field form.amount label_class="govuk-label--m" classes="govuk-input--width-10" %}
{% govuk_field form.notes|add_class:"govuk-!-width-three-quarters" %}
{% include "includes/error_summary.html" with form=form %}   (or forms=forms_list)
{{ grant.amount|pounds }}  ->  £1,234 / £1,234.50 / -£1,234
"""

import copy
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms, template
from django.forms.utils import flatatt
from django.utils import timezone

from core.money import format_pounds

register = template.Library()

WIDGET_CLASSES = {
    "input": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "file": "govuk-file-upload",
    "checkbox": "govuk-checkboxes__input",
}


def _kind(widget):
    """Which GOV.UK pattern renders this widget."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):  # includes SelectMultiple
        return "select"
    if isinstance(widget, forms.FileInput):  # includes ClearableFileInput
        return "file"
    return "input"  # text, email, number, date/time as text, password, ...


def _join(*classes):
    return " ".join(c for c in classes if c)


def _first_id(bound_field):
    """The id of the (first) input of a field, for error summary links."""
    widget = bound_field.field.widget
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound_field.auto_id}_0"
    return bound_field.id_for_label or bound_field.auto_id


@register.inclusion_tag("includes/field.html")
def govuk_field(field, label_class="", legend_class="govuk-fieldset__legend--s", classes=""):
    """Render one bound form field as a GOV.UK form group."""
    widget = field.field.widget
    kind = _kind(widget)
    errors = list(field.errors)
    auto_id = field.auto_id or field.html_name
    hint_id, error_id = f"{auto_id}-hint", f"{auto_id}-error"
    hint = field.help_text
    describedby = " ".join(
        [i for i, on in ((hint_id, hint), (error_id, errors)) if on]
        + [widget.attrs.get("aria-describedby", "")]
    ).strip()
    ctx = {
        "field": field,
        "kind": kind,
        "errors": errors,
        "hint": hint,
        "hint_id": hint_id,
        "error_id": error_id,
        "describedby": describedby,
        "label_class": label_class,
        "legend_class": legend_class,
        "fieldset": kind in ("radios", "checkboxes"),
        "prefix": widget.attrs.get("data-prefix", ""),
        "suffix": widget.attrs.get("data-suffix", ""),
    }
    if kind == "hidden":
        ctx["widget_html"] = field.as_widget()
    elif ctx["fieldset"]:
        items = []
        for sub in field.subwidgets:
            attrs = {k: v for k, v in sub.data["attrs"].items() if k not in ("id", "class", "checked")}
            items.append(
                {
                    "id": sub.id_for_label,
                    "value": sub.data["value"],
                    "label": sub.choice_label,
                    "checked": sub.data["selected"],
                    "attrs": flatatt({k: v for k, v in attrs.items() if v is not False}),
                }
            )
        ctx["items"] = items
        ctx["item_class"] = _join(f"govuk-{kind}__input", classes)
    else:
        base = widget.attrs.get("class", "")
        error_class = f"{WIDGET_CLASSES[kind]}--error" if errors and kind != "checkbox" else ""
        attrs = {"class": _join(WIDGET_CLASSES[kind], error_class, base, classes)}
        if describedby:
            attrs["aria-describedby"] = describedby
        ctx["widget_html"] = field.as_widget(attrs=attrs)
    return ctx


@register.filter
def add_class(field, css_class):
    """Add CSS class(es) to a bound field's widget.

    Returns a bound field, so it renders on its own (`{{ form.x|add_class:"a" }}`)
    or can be passed on (`{% govuk_field form.x|add_class:"a" %}`).
    """
    if not hasattr(field, "as_widget"):
        return field
    new_field = copy.copy(field.field)
    new_field.widget = copy.copy(field.field.widget)
    attrs = dict(new_field.widget.attrs)
    attrs["class"] = _join(attrs.get("class", ""), css_class)
    new_field.widget.attrs = attrs
    return new_field.get_bound_field(field.form, field.name)


@register.simple_tag
def govuk_error_list(form=None, forms=None):
    """[{"href": "#id_x", "text": "..."}] for the error summary.

    Accepts a form, a formset, or a list of either. Non-field errors (and
    errors on hidden fields) link to `#<form.html_id>` when the form defines
    `html_id` (the id of its <form> element), else to its first visible field.
    """
    items = []
    targets = [t for t in ([form] if form else []) + list(forms or []) if t]
    for target in targets:
        for f in getattr(target, "forms", None) or []:  # formset
            if f not in targets:
                targets.append(f)
        if hasattr(target, "non_form_errors"):
            items += [{"href": "#", "text": e} for e in target.non_form_errors()]
        if not hasattr(target, "errors") or not hasattr(target, "visible_fields"):
            continue
        visible = target.visible_fields()
        form_anchor = getattr(target, "html_id", "") or (_first_id(visible[0]) if visible else "")
        items += [{"href": f"#{form_anchor}", "text": e} for e in target.non_field_errors()]
        for bf in target.hidden_fields():
            items += [{"href": f"#{form_anchor}", "text": f"{bf.label}: {e}"} for e in bf.errors]
        for bf in visible:
            items += [{"href": f"#{_first_id(bf)}", "text": e} for e in bf.errors]
    return items


@register.filter
def pounds(value):
    """Format money: 1234 -> "£1,234", 1234.5 -> "£1,234.50", -1234 -> "-£1,234"."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return value
    return format_pounds(amount)


@register.filter
def sub(value, other):
    """value - other, for showing a difference such as an overrun."""
    try:
        return Decimal(str(value)) - Decimal(str(other))
    except (InvalidOperation, ValueError, TypeError):
        return ""


@register.filter
def govuk_datetime(value):
    """GOV.UK style: "13 December 2026 at 5:30pm", with "midday" and "midnight" written as words."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if (local.hour, local.minute) == (12, 0):
        time = "midday"
    elif (local.hour, local.minute) == (0, 0):
        time = "midnight"
    else:
        hour = local.hour % 12 or 12
        time = (f"{hour}" if local.minute == 0 else f"{hour}:{local:%M}") + (
            "am" if local.hour < 12 else "pm"
        )
    return f"{local.day} {local:%B %Y} at {time}"
