"""The ASGI layer of `idp serve` hands Flask whole requests: the body read in full (chunked or
not) within the read timeout, never more than Flask would accept, and Flask's error log still on
standard error."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request

from idp.serve.whole_request import WholeRequests

CHUNKED = [(b"transfer-encoding", b"chunked")]


def _echo_app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def echo():
        errors = "stderr" if request.environ["wsgi.errors"] is sys.stderr else "elsewhere"
        return f"{request.get_data().decode()} {errors}"

    return app


def _call(headers: list[tuple[bytes, bytes]], receive, read_timeout: float = 5) -> tuple[int, str]:
    """POST through WholeRequests, the body coming from ``receive``; (status, response body)."""
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 5000)}
    call = WholeRequests(_echo_app(), 1, read_timeout)(scope, receive, send)
    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever runs in this thread
        thread.submit(asyncio.run, call).result()
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:]).decode()


def _sending(chunks: list[bytes]):
    """A receive callable giving ``chunks`` as the body, and the list of messages it gave."""
    given = []

    async def receive():
        given.append({"type": "http.request", "body": chunks[len(given)],
                      "more_body": len(given) < len(chunks) - 1})
        return given[-1]

    return receive, given


def test_a_chunked_body_reaches_flask_whole_and_errors_go_to_stderr():
    receive, _ = _sending([b"abc", b"def"])
    assert _call(CHUNKED, receive) == (200, "abcdef stderr")


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body():
    receive, given = _sending([b"a" * 11])
    assert _call([(b"content-length", b"11")], receive)[0] == 413
    assert given == []


def test_a_chunked_body_over_the_limit_is_read_only_past_the_limit():
    receive, given = _sending([b"a" * 6] * 4)
    assert _call(CHUNKED, receive)[0] == 413
    assert len(given) == 2


def test_a_trickled_body_gets_a_408_even_when_a_byte_meets_the_deadline():
    """gunicorn waits for each chunk with asyncio.wait_for, which in Python 3.11 gives a chunk
    that arrives with the deadline's cancellation and drops the cancellation; here every chunk
    does: the deadline must hold all the same."""
    chunks = 0

    async def trickling():  # a byte every 0.2 s for 5 s
        nonlocal chunks
        chunks += 1
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(0.2)
        return {"type": "http.request", "body": b"a", "more_body": chunks < 25}

    started = time.monotonic()
    assert _call(CHUNKED, trickling, read_timeout=1) == (408, "Request Timeout\n")
    assert time.monotonic() - started < 2


def test_flask_answers_in_one_piece_with_its_status_headers_and_streamed_body():
    """Flask's whole answer crosses back to the event loop at once: its status, every header
    (two cookies), and a body Flask gives in pieces, with the request read only once."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def created():
        response = app.response_class((part for part in (b"one ", b"two")), status=201)
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    sent = []

    async def send(message):
        sent.append(message)

    receive, given = _sending([b"x"])
    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": "/",
             "query_string": b"", "headers": [(b"content-length", b"1")],
             "client": ("127.0.0.1", 5000)}
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, WholeRequests(app, 2, 5)(scope, receive, send)).result()
    start, body = sent
    assert start["status"] == 201
    cookies = [value for name, value in start["headers"] if name == b"set-cookie"]
    assert [cookie.split(b";")[0] for cookie in cookies] == [b"a=1", b"b=2"]
    assert body == {"type": "http.response.body", "body": b"one two"}
    assert len(given) == 1
