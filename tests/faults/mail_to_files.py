"""The fault tests' email backend: one file per message in PCC_TEST_MAIL_DIR, so a test can count what a worker in
another process sent, even after that worker was killed. PCC_TEST_MAIL_DELAY makes the mail server slow, with a
`sending-*` marker present while a message is on its way, so a test can kill the worker in the middle of a send."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class FileBackend(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(os.environ["PCC_TEST_MAIL_DIR"])
        delay = float(os.environ.get("PCC_TEST_MAIL_DELAY", "0"))
        for message in messages:
            marker = folder / f"sending-{uuid.uuid4().hex}"
            marker.write_text(",".join(message.to))
            time.sleep(delay)
            (folder / f"{uuid.uuid4().hex}.eml").write_text(
                f"To: {','.join(message.to)}\nSubject: {message.subject}\n\n{message.body}"
            )
            marker.unlink()
        return len(messages)
