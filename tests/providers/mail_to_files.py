"""An email backend for the worker-killing test: one file per message, optionally slow, with a marker file present
while a send is in progress so the test can kill the worker in the middle of one."""

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
            (folder / f"{uuid.uuid4().hex}.eml").write_text(f"To: {','.join(message.to)}\n\n{message.body}")
            marker.unlink()
        return len(messages)
