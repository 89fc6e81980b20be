"""gunicorn's asyncio worker, with a deadline on the request head.

A connection costs the event loop nothing while it waits, so any number of slow clients cannot
take the threads that run Flask. gunicorn itself bounds only the wait between two requests of a
kept-alive connection (its ``keepalive`` timer), not the first head: here a connection that has
not sent a whole head within the read timeout gets a 408 and is closed.

It relies on the parts of gunicorn's ``ASGIProtocol`` named below (pinned in pyproject.toml);
tests/test_serve_slow_clients.py shows the behaviour on a real server.
"""

from __future__ import annotations

from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi


class _HeadDeadline(ASGIProtocol):
    """One connection: its first request head must arrive within the application's
    ``read_timeout`` seconds of connecting; later heads fall under gunicorn's keep-alive timer."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = self.worker.loop.call_later(self.app.read_timeout, self._head_too_slow)

    def _on_headers_complete(self):
        self._deadline.cancel()
        return super()._on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._deadline.cancel()
        super().connection_lost(exc)

    def _head_too_slow(self) -> None:
        peer = (self.transport.get_extra_info("peername") or ("-",))[0]
        self.log.warning("request head from %s not received within %s s: 408", peer,
                         self.app.read_timeout)
        self._send_error_response(408, "Request Timeout")
        self._close_transport()
        self._request_ready.set()  # the connection's task stops waiting for a head


class SlowClientWorker(gasgi.ASGIWorker):
    """gunicorn's ``asgi`` worker whose connections are ``_HeadDeadline`` protocols."""

    def init_process(self) -> None:
        # The worker builds each connection with this module-level name; this process only.
        gasgi.ASGIProtocol = _HeadDeadline
        super().init_process()
