from django.utils.functional import SimpleLazyObject

from funds.selectors import current_office


def office(request):
    """The commissioner's office this deployment serves, for the header and emails: one query, only if shown."""
    return {"office": SimpleLazyObject(current_office)}
