"""Protective headers on our pages, and error answers that are clear, French and never a 500."""

from __future__ import annotations

import pytest

from idp import create_app

from .conftest import TEST_SETTINGS

JSON = {"Accept": "application/json"}
TOO_LARGE = {"field": "x" * (300 * 1024)}


@pytest.fixture
def login_page(client, actors):
    """The sign-in screen of a fresh authorization request."""
    rp = actors.rp()
    start = client.get("/authorize", query_string=actors.auth_params(rp))
    assert start.status_code == 302
    page = client.get(start.headers["Location"])
    assert page.status_code == 200 and page.mimetype == "text/html"
    return page


def other_app(tmp_path, **settings):
    """A second provider on its own database file (for settings the shared app does not use)."""
    return create_app({**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
                       **settings})


def test_our_pages_may_not_be_framed_and_load_only_our_own_resources(login_page):
    policy = login_page.headers["Content-Security-Policy"]

    assert "frame-ancestors 'none'" in policy
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "unsafe-inline" not in policy


def test_our_pages_forbid_mime_sniffing_and_referrers(login_page):
    assert login_page.headers["X-Content-Type-Options"] == "nosniff"
    assert login_page.headers["Referrer-Policy"] == "no-referrer"


def test_the_session_cookie_is_http_only_and_same_site(login_page):
    cookie = login_page.headers.get("Set-Cookie", "")

    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_development_does_not_ask_for_https_only(login_page):
    assert "Strict-Transport-Security" not in login_page.headers


def test_production_asks_for_https_only_and_secure_cookies(tmp_path):
    app = other_app(tmp_path, ENVIRONMENT="production", ISSUER="https://auth.example.org",
                    SECRET_KEY="p" * 48)

    response = app.test_client().get("/no-such-page")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_an_unknown_page_is_a_french_html_page(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<html lang="fr">' in response.text
    assert "<title>Page introuvable</title>" in response.text
    assert "Cette page n&#39;existe pas." in response.text
    assert "Not Found" not in response.text


def test_error_pages_carry_the_protective_headers(client):
    response = client.get("/no-such-page")

    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_page_is_json_for_a_client_that_asks_for_json(client):
    response = client.get("/no-such-page", headers=JSON)

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json == {"error": "not_found",
                             "error_description": "Cette page n'existe pas."}


def test_a_browser_that_accepts_anything_gets_html(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html,*/*;q=0.8"})

    assert response.mimetype == "text/html"


def test_a_wrong_method_is_a_french_html_page_that_says_which_methods_work(client):
    response = client.get("/token")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "<title>Méthode non autorisée</title>" in response.text
    assert "Method Not Allowed" not in response.text
    assert "POST" in response.headers["Allow"]


def test_a_wrong_method_is_json_for_a_client_that_asks_for_json(client):
    response = client.delete("/jwks.json", headers=JSON)

    assert response.status_code == 405
    assert response.json == {"error": "method_not_allowed",
                             "error_description": "Méthode non autorisée."}
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect", "/authorize", "/logout",
                                  "/userinfo", "/interaction/unknown/login"])
def test_a_body_over_the_limit_is_refused_with_413(client, path):
    response = client.post(path, data=TOO_LARGE)

    assert response.status_code == 413
    assert "La requête est trop volumineuse." in response.text


def test_a_body_over_the_limit_is_refused_with_413_in_json(client):
    response = client.post("/token", data=TOO_LARGE, headers=JSON)

    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"


def test_a_body_under_the_limit_is_read(client):
    response = client.post("/token", data={"field": "x" * (200 * 1024)})

    assert response.status_code == 400
    assert response.json["error"] != "request_entity_too_large"


def test_an_unexpected_error_is_a_generic_page_that_reveals_nothing(tmp_path, caplog):
    app = other_app(tmp_path)

    @app.get("/boom")
    def boom():
        raise RuntimeError("database password is hunter2")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert "<title>Erreur interne</title>" in response.text
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "hunter2" in caplog.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
