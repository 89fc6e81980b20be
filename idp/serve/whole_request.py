"""The provider as an ASGI application: Flask sees a request only once all of it has arrived.

The body is read on the event loop, within ``read_timeout`` seconds from the end of the head;
a client that stalls or trickles gets a 408 and never holds one of the threads that run Flask.
The head has its own deadline in the worker (``worker.py``).

Flask then runs in a pool of threads on the whole request, in the WSGI environ a2wsgi builds,
and hands its whole answer back at once: one hand-over between the event loop and a thread per
request. (a2wsgi's own bridge hands over every read and every piece of the answer, each a
round trip between the thread and the loop; together they cost more CPU than the token
endpoint's own work.) The provider's answers are pages and JSON documents, never streamed.
"""

from __future__ import annotations

import asyncio
import io
import sys
from concurrent.futures import ThreadPoolExecutor

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ
from flask import Flask

TIMEOUT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]


class WholeRequests:
    """ASGI application running ``app`` in ``threads`` threads, each request read in full first."""

    def __init__(self, app: Flask, threads: int, read_timeout: float):
        self.app = app
        self.read_timeout = read_timeout
        self._max_body = app.config["MAX_CONTENT_LENGTH"]
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="flask")
        self._other_scopes = WSGIMiddleware(app, workers=1)  # it closes websockets

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self._other_scopes(scope, receive, send)
            return
        if _declared_length(scope) > self._max_body:
            body = b""  # Flask answers 413 from the declared length, without reading anything
        else:
            try:
                body = await self._read_body(receive)
            except TimeoutError:
                client = (scope.get("client") or ("-",))[0]
                self.app.logger.warning("request body from %s not received within %s s: 408",
                                        client, self.read_timeout)
                body = None
            if body is None:
                await _answer_timeout(send)  # nothing is sent if the client has gone
                return
            scope = _with_length(scope, len(body))
        environ = build_environ(scope, io.BytesIO(body))
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self._threads, self._answer,
                                                              environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _answer(self, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Run Flask on ``environ`` (in a thread of the pool): status, headers and body."""
        environ["wsgi.errors"] = sys.stderr  # Flask's error log, as under gunicorn's own workers
        started: list = []
        chunks: list[bytes] = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return chunks.append

        iterable = self.app(environ, start_response)
        try:
            chunks.extend(iterable)
        finally:
            getattr(iterable, "close", lambda: None)()
        status, headers = started
        return (int(status.split(" ", 1)[0]),
                [(name.lower().encode("latin1"), value.encode("latin1"))
                 for name, value in headers],
                b"".join(chunks))

    async def _read_body(self, receive) -> bytes | None:
        """The body, cut one byte past the limit (Flask then answers 413); None when gunicorn
        reports it will not come (client gone, or gunicorn's own wait over); TimeoutError past
        the deadline.

        The deadline is checked between chunks too: Python 3.11's asyncio.wait_for (gunicorn
        waits for each chunk with it) loses a cancellation that meets an arriving chunk.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.read_timeout
        body = bytearray()
        while len(body) <= self._max_body:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            message = await asyncio.wait_for(receive(), remaining)
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        return bytes(body[:self._max_body + 1])


async def _answer_timeout(send) -> None:
    text = b"Request Timeout\n"
    await send({"type": "http.response.start", "status": 408,
                "headers": [*TIMEOUT_HEADERS, (b"content-length", str(len(text)).encode())]})
    await send({"type": "http.response.body", "body": text})


def _declared_length(scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0  # gunicorn refuses a malformed length before the app is called
    return 0


def _with_length(scope, length: int) -> dict:
    """The scope with the body's real length, chunked or not: Flask reads exactly that much."""
    headers = [(name, value) for name, value in scope["headers"]
               if name not in (b"content-length", b"transfer-encoding")]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}
