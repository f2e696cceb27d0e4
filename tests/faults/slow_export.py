"""A test-only kind of export that takes as long as PCC_TEST_EXPORT_DELAY says, so a test can kill the worker in the
middle of building it. Each build leaves a `started-*` file in PCC_TEST_EXPORT_LOG as it begins and a `finished-*`
file as it ends, so the test can count how often the work was done. Imported by tests/faults/worker_settings.py (the
worker) and by the tests (so the request in the test process finds the kind registered)."""

import os
import time
import uuid
from pathlib import Path

from exports.registry import register

KIND = "faults.slow"


@register(KIND)
def build_slowly(params: dict) -> tuple[str, bytes]:
    log = Path(os.environ["PCC_TEST_EXPORT_LOG"])
    build = uuid.uuid4().hex
    (log / f"started-{build}").write_text(str(params.get("n")))
    time.sleep(float(os.environ.get("PCC_TEST_EXPORT_DELAY", "0")))
    (log / f"finished-{build}").write_text(str(params.get("n")))
    return "slow.csv", f"n\n{params.get('n')}\n".encode()
