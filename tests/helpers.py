"""Test helpers: create people and clients, and walk through the code flow like a browser."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import event

from idp.accounts.users import create_user
from idp.extensions import db
from idp.models import AuditEvent, SsoSession
from idp.oidc.clients import register_client

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "https://rp.example.org/callback"


@dataclass
class RP:
    """A registered relying party."""

    client_id: str
    client_secret: str | None
    redirect_uri: str = REDIRECT_URI


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def query_of(location: str) -> dict[str, str]:
    """The query parameters of a redirect's Location, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@contextlib.contextmanager
def counted_statements(app):
    """Collect the SQL statements sent to the database while the block runs."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before_cursor_execute(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def as_an_edge(app, function, *args, **kwargs):
    """Call a service as a view or a command does: in an app context of its own, its work
    committed when it returns and rolled back when it raises."""
    with app.app_context():
        try:
            result = function(*args, **kwargs)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


class Actors:
    """People, clients and browser journeys for one test."""

    def __init__(self, app):
        self.app = app

    def user(self, email="alice.martin@chu-test.mssante.fr", password=PASSWORD, **kwargs):
        with self.app.app_context():
            user = create_user(
                email,
                kwargs.pop("name", "Alice Martin"),
                kwargs.pop("notification_email", "alice@example.org"),
                password=password,
                **kwargs,
            )
            email = user.email
            db.session.commit()  # the test is the edge: it commits the service's work
            db.session.remove()
            return email

    def rp(self, **kwargs) -> RP:
        kwargs.setdefault("redirect_uris", [REDIRECT_URI])
        kwargs.setdefault("post_logout_redirect_uris", ["https://rp.example.org/bye"])
        kwargs.setdefault("min_acr", "pwd")
        kwargs.setdefault("first_party", True)
        with self.app.app_context():
            registered = register_client(kwargs.pop("name", "Webmail"), **kwargs)
            rp = RP(registered.client.client_id, registered.client_secret,
                    (registered.client.redirect_uris or [None])[0])
            db.session.commit()
            db.session.remove()
            return rp

    @staticmethod
    def auth_params(rp: RP, **changes) -> dict[str, str]:
        """The usual authorization request of ``rp``; a change to None drops that parameter."""
        params = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "scope": "openid profile email",
            "state": "st-" + secrets.token_hex(4),
            "nonce": "n-" + secrets.token_hex(4),
        }
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return params

    def login(self, browser, response, username="alice.martin@chu-test.mssante.fr",
              password=PASSWORD):
        """From a redirect to the sign-in screen, sign in; returns the response after it."""
        assert response.status_code == 302, response.data[:500]
        page = browser.get(response.headers["Location"])
        assert page.status_code == 200
        action = re.search(r'action="([^"]*/login)"', page.text).group(1)
        return browser.post(action, data={
            "username": username, "password": password, "csrf_token": csrf_token(page.text),
        })

    def sign_in(self, browser, rp: RP, **extra) -> dict[str, str]:
        """Run the authorization request through sign-in; returns the client's callback query."""
        response = browser.get("/authorize", query_string=self.auth_params(rp, **extra))
        if urlsplit(response.headers.get("Location", "")).path.startswith("/interaction"):
            response = self.login(browser, response)
            assert response.status_code == 302, response.data[:500]
            response = browser.get(response.headers["Location"])
        assert response.status_code == 302, response.data[:500]
        assert response.headers["Location"].startswith(rp.redirect_uri)
        return query_of(response.headers["Location"])

    @staticmethod
    def redeem(browser, rp: RP, code: str, verifier: str | None = None, **extra):
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
        if verifier:
            data["code_verifier"] = verifier
        data.update(extra)
        auth = (rp.client_id, rp.client_secret) if rp.client_secret else None
        if auth is None:
            data["client_id"] = rp.client_id
        return browser.post("/token", data=data, auth=auth)

    def tokens(self, browser, rp: RP, **extra) -> dict:
        """Sign in and redeem the code: the token response."""
        verifier, challenge = pkce_pair()
        query = self.sign_in(browser, rp, code_challenge=challenge, code_challenge_method="S256",
                             **extra)
        response = self.redeem(browser, rp, query["code"], verifier)
        assert response.status_code == 200, response.json
        return response.json


def audit_events(app, name: str) -> list[AuditEvent]:
    """The audit events called ``name``, oldest first."""
    with app.app_context():
        return list(db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.event == name).order_by(AuditEvent.id)))


def live_sessions(app) -> int:
    """How many SSO sessions have not ended."""
    with app.app_context():
        return len(db.session.scalars(
            db.select(SsoSession).where(SsoSession.ended_at.is_(None))).all())
