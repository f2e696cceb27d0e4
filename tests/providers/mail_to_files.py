"""An email backend for tests with a worker in another process (the reminders' worker-killing test, tests/faults):
one file per message in PCC_TEST_MAIL_DIR, so a test can count what a worker sent even after it was killed.
PCC_TEST_MAIL_DELAY makes the mail server slow, with a `sending-*` marker present while a send is in progress, so
a test can kill the worker in the middle of one."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(os.environ["PCC_TEST_MAIL_DIR"])
        delay = float(os.environ.get("PCC_TEST_MAIL_DELAY", "0"))
        for message in messages:
            marker = folder / f"sending-{uuid.uuid4().hex}"
            marker.write_text(",".join(message.to))
            time.sleep(delay)  # a slow mail server: the worker is most likely to be killed here
            (folder / f"{uuid.uuid4().hex}.eml").write_text(
                f"To: {','.join(message.to)}\nSubject: {message.subject}\n\n{message.body}"
            )
            marker.unlink()
        return len(messages)
