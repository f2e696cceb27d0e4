"""Settings for a Celery worker started as a subprocess by the tests: the project's settings, with mail written to
files in PCC_TEST_MAIL_DIR so the test can count what was sent after the worker is gone."""

from pcc_grants.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "tests.providers.mail_to_files.SlowFileBackend"}}
