"""A real local SMTP server (aiosmtpd) that keeps the six-digit codes it receives, by recipient."""

from __future__ import annotations

import contextlib
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from . import processes

CODE = re.compile(rb"\b(\d{6})\b")


class Mailbox:
    """Codes received, by recipient; ``code_for`` waits for the next one."""

    def __init__(self):
        self.port = processes.free_port()
        self._codes: dict[str, list[str]] = defaultdict(list)
        self._arrived = threading.Condition()

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        text = message_from_bytes(envelope.content, policy=policy.default)
        body = text.get_body(("plain",))
        found = CODE.search((body.get_content() if body else "").encode())
        if found:
            with self._arrived:
                for recipient in envelope.rcpt_tos:
                    self._codes[recipient.lower()].append(found.group(1).decode())
                self._arrived.notify_all()
        return "250 OK"

    def forget(self, recipient: str) -> None:
        """Drop the codes ``recipient`` has not taken (those of a journey that failed)."""
        with self._arrived:
            self._codes.pop(recipient.lower(), None)

    def code_for(self, recipient: str, timeout: float = 10) -> str:
        """The oldest code not yet taken that was sent to ``recipient``."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._codes[recipient.lower()], timeout):
                raise TimeoutError(f"no code for {recipient} after {timeout} s")
            return self._codes[recipient.lower()].pop(0)

    @contextlib.contextmanager
    def listening(self) -> Iterator[Mailbox]:
        """The SMTP server on 127.0.0.1:``port`` until the block ends."""
        controller = Controller(self, hostname=processes.HOST, port=self.port)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()
