"""Settings for the Celery worker the reminder benchmark starts: the project's own, with mail kept in memory (locmem)
as in the in-process run, so the two measure the same work and no email leaves the machine."""

from pcc_grants.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
