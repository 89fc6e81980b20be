"""Start and stop the catcher: the SMTP server (aiosmtpd) and the web server, each in a thread."""

from __future__ import annotations

import contextlib
import signal
import threading
import time

from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from .smtp import StoringHandler
from .store import MessageStore
from .twilio_api import MAX_SLOW_SECONDS
from .web import create_app


class MailCatcher:
    """The SMTP server on ``smtp_port`` and the web server on ``http_port`` (0: any free port),
    sharing one ``store``."""

    def __init__(self, host: str = "127.0.0.1", smtp_port: int = 1025, http_port: int = 8025,
                 slow_seconds: float = MAX_SLOW_SECONDS):
        self.host = host
        self.store = MessageStore()
        self.smtp_port = smtp_port
        self._smtp = Controller(StoringHandler(self.store), hostname=host, port=smtp_port,
                                server_hostname="mailcatcher.localhost")
        self._http = make_server(host, http_port, create_app(self.store, slow_seconds),
                                 threaded=True)
        self.http_port = self._http.server_port
        self._http_thread = threading.Thread(target=self._http.serve_forever, daemon=True,
                                             name="mailcatcher-http")

    @property
    def http_url(self) -> str:
        """Base URL of the page, the JSON API and the Twilio-compatible endpoint."""
        return f"http://{self.host}:{self.http_port}"

    def start(self) -> MailCatcher:
        """Start both servers; they run until ``stop``."""
        try:
            self._smtp.start()
        except BaseException:
            self._http.server_close()
            raise
        self._http_thread.start()
        return self

    def stop(self) -> None:
        """Stop both servers and release their ports."""
        self._http.shutdown()
        self._http.server_close()
        self._http_thread.join()
        self._smtp.stop()

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def run_until_interrupted() -> None:
    """Block until Ctrl-C or SIGTERM, so the caller's ``with MailCatcher(...)`` stops cleanly."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
