"""The ASGI layer of `idp serve` hands Flask whole requests: the body read in full (chunked or
not), never more than Flask would accept, and Flask's error log still on standard error."""

from __future__ import annotations

import asyncio
import sys

from flask import Flask, request

from idp.serve.whole_request import WholeRequests


def _echo_app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def echo():
        errors = "stderr" if request.environ["wsgi.errors"] is sys.stderr else "elsewhere"
        return f"{request.get_data().decode()} {errors}"

    return app


def _call(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, str, int]:
    """POST ``chunks`` through WholeRequests; (status, body, body messages the client sent)."""
    messages = [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
                for i, chunk in enumerate(chunks)]
    received, sent = [], []

    async def receive():
        received.append(messages[len(received)])
        return received[-1]

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 5000)}
    asyncio.run(WholeRequests(_echo_app(), threads=1, read_timeout=5)(scope, receive, send))
    body = b"".join(message.get("body", b"") for message in sent[1:]).decode()
    return sent[0]["status"], body, len(received)


def test_a_chunked_body_reaches_flask_whole_and_errors_go_to_stderr():
    status, body, _ = _call([(b"transfer-encoding", b"chunked")], [b"abc", b"def"])
    assert (status, body) == (200, "abcdef stderr")


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body():
    status, _, received = _call([(b"content-length", b"11")], [b"a" * 11])
    assert (status, received) == (413, 0)


def test_a_chunked_body_over_the_limit_is_read_only_past_the_limit():
    status, _, received = _call([(b"transfer-encoding", b"chunked")],
                                [b"a" * 6, b"a" * 6, b"a" * 6, b"a" * 6])
    assert (status, received) == (413, 2)
