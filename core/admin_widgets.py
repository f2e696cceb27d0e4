"""Admin autocomplete widgets that survive a refused form.

Django's autocomplete widget re-shows a refused form by looking up the ids that were posted. A posted value that is
not an id at all ("74, 626", a 20-digit number) reaches the database as `id IN (...)` and raises `ValueError`, so a
form that should have said "Select a valid choice" became a 500. The widgets here drop such values before the
look-up; the form's own error message is unchanged.
"""

from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class _ValidIdsOnly:
    def optgroups(self, name, value, attr=None):
        remote_opts = self.field.remote_field.model._meta
        key = remote_opts.get_field(
            getattr(self.field.remote_field, "field_name", None) or remote_opts.pk.name
        )
        return super().optgroups(name, [v for v in value if _is_valid_key(key, v)], attr)


def _is_valid_key(key, value) -> bool:
    try:
        key.run_validators(key.to_python(value))  # the key's own type and range (a bigint's bounds, say)
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class ValidIdsAutocompleteSelect(_ValidIdsOnly, AutocompleteSelect):
    pass


class ValidIdsAutocompleteSelectMultiple(_ValidIdsOnly, AutocompleteSelectMultiple):
    pass


class ValidIdsAutocompleteMixin:
    """For every ModelAdmin or inline with `autocomplete_fields`: the same widgets Django would choose, made safe."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidIdsAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ValidIdsAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
