"""Every form refuses a post without a valid CSRF token: the provider's and the demo webmail's.

The test walks each application's URL map, so a route added later is checked without anyone
thinking of it: every rule accepting POST, PUT, PATCH or DELETE must answer the 400 "form
expired" page to a request without a token, and to one with a forged token, unless it is in the
short allow-list below, each entry with why it needs no token (the caller proves itself
otherwise than with a cookie).
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from clients.demo_webmail import create_app as create_webmail
from clients.demo_webmail.extensions import db as webmail_db

from .helpers import csrf_token

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

PROVIDER_WITHOUT_CSRF = {
    "oidc.token": "the client authenticates itself (RFC 6749), no cookie is read",
    "oidc.introspect": "the client authenticates itself (RFC 7662), no cookie is read",
    "oidc.revoke": "the client authenticates itself (RFC 7009), no cookie is read",
    "oidc.userinfo": "a Bearer access token (RFC 6750), no cookie is read",
    "oidc.authorize": "clients may send the authorization request as a form (OpenID Connect "
                      "Core 3.1.2.1); state and PKCE protect it, the sign-in screens check CSRF",
    "oidc.end_session": "clients may post the logout request (RP-Initiated Logout 1.0); its "
                        "confirmation checks the token (tests/oidc/test_logout.py)",
}
#: Every route of the admin API: Bearer tokens only (admin/api/auth.py), never a cookie.
PROVIDER_BLUEPRINTS_WITHOUT_CSRF = {"admin_api"}
WEBMAIL_WITHOUT_CSRF = {
    "auth.backchannel_logout": "the provider posts a logout token it signed (OpenID Connect "
                               "Back-Channel Logout 1.0), no cookie is read",
}


def unsafe_routes(app) -> list[tuple[Rule, str]]:
    """(rule, method) of every route of ``app`` that changes something."""
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods & UNSAFE_METHODS)]


def post_without_token(app, rule: Rule, method: str, **fields: str):
    """``method`` on ``rule`` (every URL argument "x") from a new browser, with ``fields``."""
    path = app.url_map.bind("localhost").build(rule.endpoint, dict.fromkeys(rule.arguments, "x"),
                                               method=method)
    return app.test_client().open(path, method=method, data={"name": "x", **fields})


def refused_as_expired_form(response, message: str) -> bool:
    return response.status_code == 400 and message in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def webmail(tmp_path_factory):
    """The demo webmail, registered with a provider it never needs to reach here."""
    application = create_webmail({
        "ISSUER": "http://127.0.0.1:9", "CLIENT_ID": "webmail", "CLIENT_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('webmail')}/webmail.sqlite3"})
    yield application
    with application.app_context():
        webmail_db.engine.dispose()


@pytest.mark.parametrize("which", ["provider", "webmail"])
def test_every_form_refuses_a_post_without_a_valid_csrf_token(which, app, webmail):
    application, allowed, blueprints, expired = {
        "provider": (app, PROVIDER_WITHOUT_CSRF, PROVIDER_BLUEPRINTS_WITHOUT_CSRF,
                     "Le formulaire a expiré"),
        "webmail": (webmail, WEBMAIL_WITHOUT_CSRF, set(), "Le formulaire a expiré"),
    }[which]
    assert application.config.get("WTF_CSRF_ENABLED", True)  # no test switches it off
    routes = unsafe_routes(application)
    assert {rule.endpoint for rule, _ in routes} >= set(allowed)  # no stale entry

    unprotected, needlessly_allowed = [], []
    for rule, method in routes:
        exempt = rule.endpoint in allowed or rule.endpoint.split(".")[0] in blueprints
        answers = [post_without_token(application, rule, method),
                   post_without_token(application, rule, method, csrf_token="forged")]
        refused = [refused_as_expired_form(answer, expired) for answer in answers]
        if not exempt and not all(refused):
            unprotected.append((method, rule.rule, [a.status_code for a in answers]))
        if exempt and any(refused):
            needlessly_allowed.append((method, rule.rule))
    assert unprotected == []
    assert needlessly_allowed == []
    assert len(routes) > len(allowed)  # forms were found and checked


def test_a_valid_token_passes_so_the_refusals_above_are_about_the_token(client):
    page = client.get("/password/forgot")
    answer = client.post("/password/forgot", data={"username": "x@chu-test.mssante.fr",
                                                    "csrf_token": csrf_token(page.text)})
    assert answer.status_code == 200
    refused = client.post("/password/forgot", data={"username": "x@chu-test.mssante.fr"})
    assert refused.status_code == 400
