"""The messages the catcher received, e-mails and SMS together, kept in memory."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

# The oldest messages are forgotten beyond this many, so a long-running catcher stays small.
CAPACITY = 500


class MessageStore:
    """A bounded, thread-safe list of received messages (the SMTP server and the web server
    write from their own threads)."""

    def __init__(self, capacity: int = CAPACITY):
        self._messages: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Keep a message of ``kind`` "email" or "sms"; it gets an id and a reception date."""
        with self._lock:
            message = {"id": next(self._ids), "kind": kind,
                       "date": datetime.now(UTC).isoformat(timespec="seconds"), **fields}
            self._messages.append(message)
        return message

    def messages(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The messages, newest first; only those of ``kind`` when given."""
        with self._lock:
            newest_first = list(reversed(self._messages))
        return [m for m in newest_first if kind is None or m["kind"] == kind]

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()
