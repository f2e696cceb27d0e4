"""Admin building blocks shared by every app.

Most of them keep an admin page's cost flat as the data grows: a list page reads one page of rows however long the
table is, and a page of forms reads each select's options once, not once per row.
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.choices import BaseChoiceIterator

from core.admin_widgets import ValidIdsAutocompleteSelect


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows only a service writes (commitments, payments, the audit trail): the admin shows them and nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class KeysFirstPaginator(Paginator):
    """Reads a page's primary keys first, then only those rows with their related rows.

    A page is `OFFSET n`: PostgreSQL walks past every earlier row. Walked as keys alone, in an index that matches
    the list's order, that is cheap; walked as whole rows with their joins (list_select_related), it costs a join
    for every row skipped. A page nearer the end is read from the end, in the reverse order (the admin's order is
    total: it ends with the primary key), so the last page walks no further than the first. The rows come back in
    the list's own order, as the queryset has it.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom > self.count - top:
            keys = list(
                self.object_list.reverse().values_list("pk", flat=True)[
                    self.count - top : self.count - bottom
                ]
            )
        else:
            keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


class BigListAdmin(admin.ModelAdmin):
    """For a table that grows with the applications: no second COUNT(*) of the whole table on every list page
    (the filtered count is still shown), and pages read by key (KeysFirstPaginator)."""

    show_full_result_count = False
    paginator = KeysFirstPaginator


class SelectRelatedChoicesMixin:
    """A select's options are labelled by each row's __str__, which may read a related row (a budget's stream and
    year): `choices_select_related = {"budget": ["stream", "year"]}` reads the options with them, in one query."""

    choices_select_related: dict[str, list[str]] = {}

    def _with_related(self, db_field, formfield):
        related = self.choices_select_related.get(db_field.name)
        if related and formfield is not None and getattr(formfield, "queryset", None) is not None:
            formfield.queryset = formfield.queryset.select_related(*related)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._with_related(db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._with_related(db_field, super().formfield_for_manytomany(db_field, request, **kwargs))


class RowAutocompleteSelect(ValidIdsAutocompleteSelect):
    """An autocomplete box that shows its row's chosen option from the row already read (`chosen`), where Django's
    would look it up again for every row of an inline."""

    chosen = None

    def optgroups(self, name, value, attr=None):
        chosen = self.chosen
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if chosen is None or selected != {str(chosen.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(chosen)
        options.append(self.create_option(name, chosen.pk, label, selected, len(options)))
        return [(None, options, 0)]


class ChoicesReadOnce(BaseChoiceIterator):
    """A select's options, read when first shown and then shared by every copy (each inline row's form copies its
    fields, and with them this, before any is shown)."""

    def __init__(self, choices):
        self.choices = choices
        self.shared = {}  # the same dict in every shallow copy

    def __iter__(self):
        if "read" not in self.shared:
            # Through iter(): list() of the choices themselves would ask their length first, a COUNT(*) query.
            self.shared["read"] = list(iter(self.choices))
        return iter(self.shared["read"])


class InlineChoicesReadOnceMixin:
    """For an inline: its selects' options are read once for the page, not once for each row.

    `shared_choices` names foreign keys shown as plain selects: their options are read once and every row's select
    shares them. `row_autocomplete_fields` names autocomplete fields whose chosen row the inline's queryset already
    reads (select_related): each row shows it without a query of its own.
    """

    shared_choices: tuple[str, ...] = ()
    row_autocomplete_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.row_autocomplete_fields:
            kwargs["widget"] = RowAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        for name in self.shared_choices:
            field = fields.get(name)
            if field is None or not hasattr(field, "queryset"):
                continue
            # Not read here: admin builds an inline's formset several times a page (for its fields, its media...).
            choices = ChoicesReadOnce(field.choices)
            field.choices = choices
            inner = getattr(field.widget, "widget", None)  # admin's wrapper holds the select that renders
            if inner is not None:
                inner.choices = choices
        row_fields = [name for name in self.row_autocomplete_fields if name in fields]
        if not row_fields:
            return formset

        class RowsShowTheirChoices(formset):
            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                for name in row_fields:
                    widget = getattr(form.fields[name].widget, "widget", form.fields[name].widget)
                    field = form.instance._meta.get_field(name)
                    if isinstance(widget, RowAutocompleteSelect) and field.is_cached(form.instance):
                        widget.chosen = getattr(form.instance, name)
                return form

        return RowsShowTheirChoices


def form_action(
    modeladmin,
    request,
    queryset,
    *,
    form_class,
    title: str,
    explain: str,
    button: str,
    run,
    done: str,
    refusals: tuple[type[Exception], ...],
    form_kwargs: dict | None = None,
):
    """An admin action with a page of its own: what will happen, a form (a date, an amount, a reason), and the
    service `run(obj, cleaned_data)` for each row chosen. A form error keeps the page with the message beside the
    field; a refusal from the service is shown as an error naming the row, and changes nothing for that row."""
    from django.contrib import messages
    from django.template.response import TemplateResponse

    form = form_class(request.POST if "confirm" in request.POST else None, **(form_kwargs or {}))
    if "confirm" in request.POST and form.is_valid():
        for obj in queryset:
            try:
                run(obj, form.cleaned_data)
            except refusals as exc:
                modeladmin.message_user(request, f"{obj}: {exc}", level=messages.ERROR)
            else:
                modeladmin.message_user(request, done.format(obj=obj), level=messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explain": explain,
        "button": button,
        "form": form,
        "objects": list(queryset),
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/funds/reason_action.html", context)
