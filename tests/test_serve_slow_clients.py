"""`idp serve` keeps answering while many clients stall or trickle their requests, and answers
each of those a 408 once the read timeout has passed, never a 500 (a real server, raw sockets)."""

from __future__ import annotations

import json
import select
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .delivery_servers import HOST
from .provider_process import RealProvider

pytestmark = pytest.mark.slow

READ_TIMEOUT = 3  # seconds, short for the test (the setting's default is longer)
ANSWER_SLACK = 2.5  # a loaded machine may answer a little after the deadline
HEAD = b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: idp\r\n"
POST_HEAD = (b"POST /token HTTP/1.1\r\nHost: idp\r\nContent-Type: application/x-www-form-urlencoded"
             b"\r\nContent-Length: 200\r\n\r\n")


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """A provider with a read timeout of READ_TIMEOUT seconds and one service client."""
    real = RealProvider(tmp_path_factory.mktemp("slow-clients"),
                        SERVE_REQUEST_READ_TIMEOUT_SECONDS=str(READ_TIMEOUT))
    real.run("db", "upgrade")
    client = json.loads(real.run("clients", "create", "--name", "Service", "--grant-type",
                                 "client_credentials", "--scope", "openid", "--json"))
    with real.serving():
        yield real, (client["client_id"], client["client_secret"])


class SlowClient:
    """A raw connection that sends ``sent_at_once``, then ``trickled`` one byte a second until the
    server answers; ``answer()`` gives the status line and when it came (``time.monotonic``)."""

    def __init__(self, port: int, sent_at_once: bytes, trickled: bytes = b""):
        self.started = time.monotonic()
        self.sock = socket.create_connection((HOST, port))
        self.sock.sendall(sent_at_once)
        self.trickled = trickled

    def answer(self) -> tuple[str, float]:
        with self.sock:
            for byte in self.trickled:
                if select.select([self.sock], [], [], 1)[0]:
                    break
                self.sock.send(bytes([byte]))
            self.sock.settimeout(READ_TIMEOUT + 10)
            data = b""
            while b"\r\n" not in data:
                chunk = self.sock.recv(1024)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n")[0].decode(), time.monotonic()


def _slow_clients(port: int) -> list[SlowClient]:
    """Fifty clients: heads never finished, bodies never sent, heads and bodies trickled."""
    never_ending_head = b"X-Padding: " + b"a" * 100
    return [
        *(SlowClient(port, HEAD) for _ in range(13)),
        *(SlowClient(port, POST_HEAD + b"grant_type=") for _ in range(13)),
        *(SlowClient(port, b"", HEAD + never_ending_head) for _ in range(12)),
        *(SlowClient(port, POST_HEAD, b"grant_type=client_credentials&" + b"a" * 100)
          for _ in range(12)),
    ]


def _timed(call) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def test_fifty_slow_clients_get_a_408_while_others_are_served(provider):
    real, (client_id, client_secret) = provider
    issuer = real.issuer
    slow = _slow_clients(real.port)
    with ThreadPoolExecutor(max_workers=len(slow)) as pool:
        answers = [pool.submit(client.answer) for client in slow]

        def discovery():
            response = requests.get(issuer + "/.well-known/openid-configuration", timeout=5)
            assert response.json()["issuer"] == issuer

        def token():
            response = requests.post(issuer + "/token", auth=(client_id, client_secret),
                                     data={"grant_type": "client_credentials"}, timeout=5)
            assert response.status_code == 200, response.text
            assert response.json()["token_type"] == "Bearer"

        def sign_in_page():
            response = requests.get(issuer + "/account", timeout=5)
            assert response.status_code == 200
            assert 'name="username"' in response.text

        durations = [_timed(discovery), _timed(token), _timed(sign_in_page)]
        served_at = time.monotonic()
        assert all(duration < 1 for duration in durations), durations

        for client, answer in zip(slow, answers, strict=True):
            status, answered_at = answer.result()
            assert status == "HTTP/1.1 408 Request Timeout"
            assert answered_at > served_at  # the slow clients were still waiting meanwhile
            assert READ_TIMEOUT - 0.5 < answered_at - client.started < READ_TIMEOUT + ANSWER_SLACK

    log = (real.folder / "serve.log").read_text()
    lines = [json.loads(line) for line in log.splitlines()]
    statuses = [line["status"] for line in lines if line["logger"] == "idp.access"]
    assert statuses and max(statuses) < 500  # the access log: no request ended in a 500
    assert "Traceback" not in log
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]
    assert log.count("not received within") == len(slow)


def test_a_chunked_body_reaches_the_provider_whole(provider):
    """Bodies are read before the provider sees them; one sent in chunks keeps every byte."""
    real, (client_id, client_secret) = provider
    body = iter([b"grant_type=client_", b"credentials&scope=openid"])  # a generator: chunked
    response = requests.post(real.issuer + "/token", auth=(client_id, client_secret),
                             data=body, timeout=5,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "openid"
