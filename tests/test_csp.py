"""Content-Security-Policy: sign-in forms may lead to the client they answer, and nowhere else.

Browsers apply form-action to the redirects that follow a form post (the Flask test client does
not), so the sign-in screens of a request must allow that request's client origin.
"""

from __future__ import annotations

from idp import csp

from .interaction.second_factor_journey import start


def test_a_page_without_a_client_allows_forms_to_this_site_only(client):
    policy = client.get("/password/forgot").headers["Content-Security-Policy"]
    assert "form-action 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy


def test_the_sign_in_screen_of_a_request_lets_its_forms_end_at_the_client(client, actors):
    actors.user()
    rp = actors.rp(min_acr="mfa")
    page, _ = start(client, actors, rp)
    assert "form-action 'self' https://rp.example.org;" in page.headers[
        "Content-Security-Policy"]


def test_origins_keep_scheme_host_and_port_only():
    assert csp.origin("http://127.0.0.1:8000/auth/callback?x=1") == "http://127.0.0.1:8000"
    assert csp.origin("not a uri") == ""
    assert csp.policy("https://a.example/cb", "https://a.example/other").count("a.example") == 1
