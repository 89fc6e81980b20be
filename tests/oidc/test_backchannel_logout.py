"""Back-channel logout: when a session ends, each client that got tokens in it receives a signed
logout token at its backchannel_logout_uri (a real HTTP server on this machine plays the client)."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.extensions import db
from idp.models import AuditEvent

from ..helpers import csrf_token, live_sessions, pkce_pair, query_of

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
BYE = "https://rp.example.org/bye"


class Receiver:
    """A client's back-channel logout endpoint: records every POST, answers ``status``."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.received: list[dict] = []
        self.status = status
        self.delay = delay
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                receiver.received.append({
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type", ""),
                    "form": {k: v[0] for k, v in parse_qs(body).items()},
                })
                if receiver.delay:
                    receiver.release.wait(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def url(self, path: str = "/bcl") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def tokens_for(self, path: str = "/bcl") -> list[str]:
        return [r["form"]["logout_token"] for r in self.received if r["path"] == path]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def closed_port_url() -> str:
    """A local URL where nothing listens (the client's endpoint is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/bcl"


def endpoint(browser, name: str) -> str:
    """An endpoint URL, found through discovery as an outside client would."""
    return browser.get("/.well-known/openid-configuration").json[name]


def published_keys(browser) -> KeySet:
    return KeySet.import_key_set(browser.get(endpoint(browser, "jwks_uri")).json)


def log_out(browser, id_token: str):
    response = browser.get(endpoint(browser, "end_session_endpoint"), query_string={
        "id_token_hint": id_token, "post_logout_redirect_uri": BYE,
    })
    assert response.status_code == 302, response.text[:300]
    return response


def audit_events(app, name: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(db.select(AuditEvent).where(AuditEvent.event == name)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def alice(actors):
    return actors.user()


def test_a_client_in_the_session_receives_a_logout_token_by_post(
    client, actors, alice, receiver
):
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    log_out(client, actors.tokens(client, rp)["id_token"])
    assert len(receiver.received) == 1
    assert receiver.received[0]["path"] == "/bcl"
    assert receiver.received[0]["content_type"].startswith("application/x-www-form-urlencoded")
    assert set(receiver.received[0]["form"]) == {"logout_token"}


def test_the_logout_token_is_signed_by_a_published_key_and_says_which_session_ended(
    app, client, actors, alice, receiver
):
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    id_token = actors.tokens(client, rp)["id_token"]
    before = int(time.time())
    log_out(client, id_token)
    [logout_token] = receiver.tokens_for("/bcl")

    keys = published_keys(client)
    signed_in = jwt.decode(id_token, keys).claims
    token = jwt.decode(logout_token, keys)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": app.config["ISSUER"]},
        aud={"essential": True, "value": rp.client_id},
        iat={"essential": True}, exp={"essential": True}, jti={"essential": True},
    ).validate(token.claims)
    claims = token.claims
    assert token.header["typ"] == "logout+jwt"
    assert token.header["kid"] in {key["kid"] for key in keys.as_dict()["keys"]}
    assert claims["sub"] == signed_in["sub"]
    assert claims["sid"] == signed_in["sid"]
    assert claims["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in claims
    assert before - 5 <= claims["iat"] <= int(time.time())
    assert claims["iat"] < claims["exp"] <= claims["iat"] + 600
    assert isinstance(claims["jti"], str) and len(claims["jti"]) >= 16


def test_the_logout_token_uses_the_algorithm_the_client_registered(
    client, actors, alice, receiver
):
    rp = actors.rp(backchannel_logout_uri=receiver.url(), id_token_alg="ES256")
    id_token = actors.tokens(client, rp)["id_token"]
    log_out(client, id_token)
    [logout_token] = receiver.tokens_for("/bcl")
    assert jwt.decode(logout_token, published_keys(client)).header["alg"] == "ES256"


def test_every_client_of_the_session_is_told_each_with_its_own_token(
    client, actors, alice, receiver
):
    webmail = actors.rp(backchannel_logout_uri=receiver.url("/webmail"))
    agenda = actors.rp(name="Agenda", backchannel_logout_uri=receiver.url("/agenda"))
    id_token = actors.tokens(client, webmail)["id_token"]
    actors.tokens(client, agenda)  # single sign-on: same session
    log_out(client, id_token)
    keys = published_keys(client)
    [to_webmail] = [jwt.decode(t, keys).claims for t in receiver.tokens_for("/webmail")]
    [to_agenda] = [jwt.decode(t, keys).claims for t in receiver.tokens_for("/agenda")]
    assert to_webmail["aud"] == webmail.client_id
    assert to_agenda["aud"] == agenda.client_id
    assert to_webmail["sid"] == to_agenda["sid"]
    assert to_webmail["jti"] != to_agenda["jti"]


def test_a_client_that_got_no_tokens_in_the_session_is_not_called(
    client, actors, alice, receiver
):
    webmail = actors.rp(backchannel_logout_uri=receiver.url("/webmail"))
    actors.rp(name="Agenda", backchannel_logout_uri=receiver.url("/agenda"))
    log_out(client, actors.tokens(client, webmail)["id_token"])
    assert [r["path"] for r in receiver.received] == ["/webmail"]


def test_a_client_of_another_session_is_not_called(app, client, actors, alice, receiver):
    webmail = actors.rp(backchannel_logout_uri=receiver.url("/webmail"))
    agenda = actors.rp(name="Agenda", backchannel_logout_uri=receiver.url("/agenda"))
    actors.tokens(app.test_client(), agenda)  # the same person, in another browser
    log_out(client, actors.tokens(client, webmail)["id_token"])
    assert [r["path"] for r in receiver.received] == ["/webmail"]
    assert live_sessions(app) == 1


def test_a_client_without_a_backchannel_uri_is_simply_skipped(app, client, actors, alice,
                                                              receiver):
    plain = actors.rp(name="Sans déconnexion")
    webmail = actors.rp(backchannel_logout_uri=receiver.url())
    actors.tokens(client, plain)
    log_out(client, actors.tokens(client, webmail)["id_token"])
    assert len(receiver.received) == 1
    assert len(audit_events(app, "logout.backchannel_sent")) == 1


def test_a_successful_notification_is_audited(app, client, actors, alice, receiver):
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    log_out(client, actors.tokens(client, rp)["id_token"])
    [event] = audit_events(app, "logout.backchannel_sent")
    assert event.client_id == rp.client_id
    assert event.detail["result"] == "HTTP 200"
    assert audit_events(app, "logout.backchannel_failed") == []


def test_logout_completes_when_a_clients_endpoint_is_down_and_the_failure_is_audited(
    app, client, actors, alice
):
    rp = actors.rp(backchannel_logout_uri=closed_port_url())
    id_token = actors.tokens(client, rp)["id_token"]
    response = log_out(client, id_token)
    assert response.headers["Location"] == BYE
    assert live_sessions(app) == 0
    [event] = audit_events(app, "logout.backchannel_failed")
    assert event.client_id == rp.client_id
    assert event.detail["sid"] == jwt.decode(id_token, published_keys(client)).claims["sid"]
    assert event.detail["result"] == "ConnectionError"


def test_a_client_that_answers_with_an_error_is_audited_as_failed(
    app, client, actors, alice
):
    broken = Receiver(status=500)
    try:
        rp = actors.rp(backchannel_logout_uri=broken.url())
        log_out(client, actors.tokens(client, rp)["id_token"])
        assert len(broken.received) == 1
    finally:
        broken.close()
    [event] = audit_events(app, "logout.backchannel_failed")
    assert event.detail["result"] == "HTTP 500"


def test_a_client_that_does_not_answer_in_time_does_not_hold_up_logout(
    app, client, actors, alice, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKCHANNEL_LOGOUT_TIMEOUT_SECONDS", 0.3)
    slow = Receiver(delay=10)
    try:
        rp = actors.rp(backchannel_logout_uri=slow.url())
        id_token = actors.tokens(client, rp)["id_token"]
        started = time.monotonic()
        log_out(client, id_token)
        assert time.monotonic() - started < 5
    finally:
        slow.close()
    assert live_sessions(app) == 0
    [event] = audit_events(app, "logout.backchannel_failed")
    assert "Timeout" in event.detail["result"]


def test_the_other_clients_are_told_even_when_one_endpoint_is_down(
    client, actors, alice, receiver
):
    down = actors.rp(name="En panne", backchannel_logout_uri=closed_port_url())
    webmail = actors.rp(backchannel_logout_uri=receiver.url())
    actors.tokens(client, down)
    log_out(client, actors.tokens(client, webmail)["id_token"])
    assert len(receiver.tokens_for("/bcl")) == 1


def test_a_confirmed_logout_without_id_token_hint_tells_the_clients_too(
    client, actors, alice, receiver
):
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    actors.tokens(client, rp)
    url = endpoint(client, "end_session_endpoint")
    page = client.get(url)
    confirmed = client.post(url, data={"confirm": "yes", "csrf_token": csrf_token(page.text)})
    assert confirmed.status_code == 200
    assert len(receiver.tokens_for("/bcl")) == 1


def sign_in_as(actors, browser, rp, username: str, **extra) -> dict:
    """Sign in as ``username`` (the browser may already be signed in) and redeem the code."""
    verifier, challenge = pkce_pair()
    response = browser.get("/authorize", query_string=actors.auth_params(
        rp, code_challenge=challenge, code_challenge_method="S256", **extra))
    response = browser.get(actors.login(browser, response, username=username).headers["Location"])
    return actors.redeem(browser, rp, query_of(response.headers["Location"])["code"], verifier).json


def test_a_session_replaced_by_another_persons_sign_in_is_announced_to_its_clients(
    client, actors, alice, receiver
):
    rp = actors.rp(backchannel_logout_uri=receiver.url())
    first = actors.tokens(client, rp)["id_token"]
    bob = actors.user("bob.durand@chu-test.mssante.fr", name="Bob Durand",
                      notification_email="bob@example.org")
    sign_in_as(actors, client, rp, bob, prompt="login")
    sids = [jwt.decode(t, published_keys(client)).claims["sid"]
            for t in receiver.tokens_for("/bcl")]
    assert sids == [jwt.decode(first, published_keys(client)).claims["sid"]]


def test_after_a_reauthentication_each_client_is_told_the_sid_of_its_own_id_token(
    client, actors, alice, receiver
):
    webmail = actors.rp(backchannel_logout_uri=receiver.url("/webmail"))
    agenda = actors.rp(name="Agenda", backchannel_logout_uri=receiver.url("/agenda"))
    keys = published_keys(client)
    first = jwt.decode(actors.tokens(client, webmail)["id_token"], keys).claims
    second_token = sign_in_as(actors, client, agenda, alice, prompt="login")["id_token"]
    log_out(client, second_token)
    [to_webmail] = [jwt.decode(t, keys).claims for t in receiver.tokens_for("/webmail")]
    assert to_webmail["sid"] == first["sid"]
