"""Settings for a Celery worker the fault tests start as a subprocess: the project's settings, with mail written to
files (tests/providers/mail_to_files.py), private files kept where the test process keeps them, and the slow test-only
export kind registered."""

import os

from pcc_grants.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "tests.providers.mail_to_files.SlowFileBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["PCC_TEST_STORAGE_DIR"], "base_url": None},
    },
}

import tests.faults.slow_export  # noqa: E402, F401
