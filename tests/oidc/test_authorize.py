"""The authorization endpoint as an application sees it: the code flow by GET or POST, the
query and form_post response modes, PKCE, and the parameters that shape the sign-in
(nonce, prompt, max_age, id_token_hint, claims, acr_values)."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import update

from idp.extensions import db
from idp.models import SsoSession
from idp.models.base import utcnow
from idp.oidc import keys

from ..helpers import Actors, pkce_pair, query_of

ISSUER = "http://localhost"
request_params = Actors.auth_params
BOB = "bob.durand@chu-test.mssante.fr"


def follow(browser, response):
    """Follow the provider's own redirects (screens, resume) until it answers the client."""
    while response.status_code == 302 and response.headers["Location"].startswith("/"):
        response = browser.get(response.headers["Location"])
    return response


def callback(response, rp) -> dict[str, str]:
    """The parameters the client receives at its redirect URI."""
    assert response.status_code == 302, response.text[:500]
    assert response.headers["Location"].startswith(rp.redirect_uri + "?")
    return query_of(response.headers["Location"])


def sign_in(actors, browser, response, username="alice.martin@chu-test.mssante.fr"):
    """Fill the sign-in screen the response leads to; returns what the client gets next."""
    return follow(browser, actors.login(browser, response, username=username))


def id_token_claims(browser, token: str) -> dict:
    """The verified claims of an ID token, checked against the published JWKS."""
    return jwt.decode(token, KeySet.import_key_set(browser.get("/jwks.json").json)).claims


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.values[attrs["name"]] = attrs["value"]


def hidden_inputs(page: str) -> dict[str, str]:
    """The hidden fields of a page, their values unescaped as a browser would post them."""
    parser = _HiddenInputs()
    parser.feed(page)
    return parser.values


def shows_sign_in(browser, response) -> bool:
    """True when the response leads to the password screen."""
    response = follow(browser, response)
    return response.status_code == 200 and 'name="password"' in response.text


def test_a_person_signs_in_and_the_app_gets_a_code_state_and_issuer(client, actors):
    """A person who signs in is sent back to the app with a code, the app's state and `iss`."""
    actors.user()
    rp = actors.rp()
    params = request_params(rp)
    first = client.get("/authorize", query_string=params)
    assert first.status_code == 302 and first.headers["Location"].startswith("/interaction/")
    query = callback(sign_in(actors, client, first), rp)
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == params["state"] and query["iss"] == ISSUER
    assert actors.redeem(client, rp, query["code"]).status_code == 200


def test_an_app_may_send_its_request_by_post(client, actors):
    """The authorization request may come as a form POST instead of a query string."""
    actors.user()
    rp = actors.rp()
    params = request_params(rp)
    query = callback(sign_in(actors, client, client.post("/authorize", data=params)), rp)
    assert query["state"] == params["state"] and query["iss"] == ISSUER
    assert actors.redeem(client, rp, query["code"]).status_code == 200


def test_parameters_the_provider_does_not_know_are_ignored(client, actors):
    """Unknown parameters neither fail the request nor travel back to the app."""
    actors.user()
    rp = actors.rp()
    query = actors.sign_in(client, rp, foo="bar", display="page", x_custom="1")
    assert "code" in query and "foo" not in query and "x_custom" not in query


def test_the_state_comes_back_exactly_as_sent(client, actors):
    """The state is returned byte for byte, whatever characters it holds."""
    actors.user()
    rp = actors.rp()
    state = "a b/é&=?%20+ü→"
    assert actors.sign_in(client, rp, state=state)["state"] == state


def test_the_nonce_sent_by_the_app_is_in_the_id_token(client, actors):
    """The app's nonce is copied into the ID token so it can tie the token to its request."""
    actors.user()
    tokens = actors.tokens(client, actors.rp(), nonce="n-0123456789")
    assert id_token_claims(client, tokens["id_token"])["nonce"] == "n-0123456789"


def test_without_a_nonce_the_id_token_has_none(client, actors):
    """An app that sends no nonce gets an ID token without a nonce claim."""
    actors.user()
    rp = actors.rp()
    verifier, challenge = pkce_pair()
    params = request_params(rp, nonce=None, code_challenge=challenge,
                            code_challenge_method="S256")
    query = callback(sign_in(actors, client, client.get("/authorize", query_string=params)), rp)
    id_token = actors.redeem(client, rp, query["code"], verifier).json["id_token"]
    assert "nonce" not in id_token_claims(client, id_token)


def test_response_mode_query_redirects_with_the_code_in_the_query(client, actors):
    """With response_mode=query the code arrives in the redirect URI's query string."""
    actors.user()
    query = actors.sign_in(client, actors.rp(), response_mode="query")
    assert "code" in query and query["iss"] == ISSUER


def test_response_mode_form_post_posts_code_state_and_issuer_to_the_app(client, actors):
    """With form_post, a page posts code, state and iss to the redirect URI by itself."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    params = request_params(rp, response_mode="form_post", state='x"><script>alert(1)</script>')
    page = client.get("/authorize", query_string=params)
    assert page.status_code == 200 and "Location" not in page.headers
    assert f'<form method="post" action="{rp.redirect_uri}">' in page.text
    posted = hidden_inputs(page.text)
    assert set(posted) == {"code", "state", "iss"} and posted["iss"] == ISSUER
    assert posted["state"] == params["state"] and "<script>alert" not in page.text
    assert actors.redeem(client, rp, posted["code"]).status_code == 200
    assert "form_post.js" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "form-action 'self' https://rp.example.org;" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["Cache-Control"] == "no-store"


def test_form_post_is_kept_through_the_sign_in_screens(client, actors):
    """A form_post request that needs the password is still answered by form_post."""
    actors.user()
    rp = actors.rp()
    params = request_params(rp, response_mode="form_post")
    page = sign_in(actors, client, client.get("/authorize", query_string=params))
    assert page.status_code == 200 and hidden_inputs(page.text)["state"] == params["state"]


def test_a_public_app_must_use_pkce(client, actors):
    """A public app (no secret) that sends no code_challenge is told invalid_request."""
    rp = actors.rp(auth_method="none")
    params = request_params(rp)
    query = callback(client.get("/authorize", query_string=params), rp)
    assert query["error"] == "invalid_request" and query["state"] == params["state"]
    assert query["iss"] == ISSUER


def test_a_public_app_with_pkce_s256_signs_in_and_redeems_with_its_verifier(client, actors):
    """A public app using S256 gets tokens with its verifier, without any secret."""
    actors.user()
    rp = actors.rp(auth_method="none")
    verifier, challenge = pkce_pair()
    query = actors.sign_in(client, rp, code_challenge=challenge, code_challenge_method="S256")
    assert actors.redeem(client, rp, query["code"]).status_code == 400
    query = actors.sign_in(client, rp, code_challenge=challenge, code_challenge_method="S256")
    assert actors.redeem(client, rp, query["code"], verifier).status_code == 200


def test_pkce_plain_is_refused(client, actors):
    """Only S256 is accepted: the plain method, or a challenge without method, is refused."""
    rp = actors.rp()
    for method in ("plain", None):
        params = request_params(rp, code_challenge="A" * 43, code_challenge_method=method)
        query = callback(client.get("/authorize", query_string=params), rp)
        assert query["error"] == "invalid_request", method


def test_pkce_is_optional_for_a_confidential_app_but_checked_when_used(client, actors):
    """A confidential app may skip PKCE; when it uses it, a wrong verifier is refused."""
    actors.user()
    rp = actors.rp()
    query = actors.sign_in(client, rp)
    assert actors.redeem(client, rp, query["code"]).status_code == 200
    _, challenge = pkce_pair()
    query = actors.sign_in(client, rp, code_challenge=challenge, code_challenge_method="S256")
    refused = actors.redeem(client, rp, query["code"], pkce_pair()[0])
    assert refused.status_code == 400 and refused.json["error"] == "invalid_grant"


def test_prompt_none_without_a_session_returns_login_required(client, actors):
    """prompt=none and nobody signed in: the app gets login_required with its state."""
    rp = actors.rp()
    params = request_params(rp, prompt="none")
    query = callback(client.get("/authorize", query_string=params), rp)
    assert query == {"error": "login_required", "state": params["state"], "iss": ISSUER}


def test_prompt_none_with_a_session_issues_a_code_silently(client, actors):
    """prompt=none and a live session: the code comes back without any screen."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    assert "code" in callback(client.get("/authorize", query_string=request_params(
        rp, prompt="none")), rp)


def test_prompt_none_when_the_session_is_too_weak_returns_interaction_required(client, actors):
    """prompt=none asking mfa of a password-only session: interaction_required."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    params = request_params(rp, prompt="none", acr_values="mfa")
    query = callback(client.get("/authorize", query_string=params), rp)
    assert query["error"] == "interaction_required" and query["state"] == params["state"]


def test_prompt_login_asks_for_the_password_again(client, actors):
    """prompt=login shows the sign-in screen even to a signed-in person, then issues a code."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    response = client.get("/authorize", query_string=request_params(rp, prompt="login"))
    assert shows_sign_in(client, response)
    response = client.get("/authorize", query_string=request_params(rp, prompt="login"))
    assert "code" in callback(sign_in(actors, client, response), rp)


def test_max_age_zero_or_passed_forces_a_new_sign_in_and_a_fresh_one_does_not(app, client,
                                                                               actors):
    """max_age=0, or a sign-in older than max_age, asks for the password again; else silent."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    fresh = client.get("/authorize", query_string=request_params(rp, max_age="3600"))
    assert "code" in callback(fresh, rp)
    zero = client.get("/authorize", query_string=request_params(rp, max_age="0"))
    assert "code" in callback(sign_in(actors, client, zero), rp)
    with app.app_context():
        db.session.execute(update(SsoSession).values(auth_time=utcnow() - timedelta(minutes=10)))
        db.session.commit()
    passed = client.get("/authorize", query_string=request_params(rp, max_age="300"))
    assert shows_sign_in(client, passed)


def test_id_token_hint_of_the_signed_in_person_is_answered_silently(client, actors):
    """With prompt=none, a hint naming the signed-in person gets a code at once."""
    actors.user()
    rp = actors.rp()
    id_token = actors.tokens(client, rp)["id_token"]
    params = request_params(rp, prompt="none", id_token_hint=id_token)
    assert "code" in callback(client.get("/authorize", query_string=params), rp)


def test_an_expired_id_token_of_the_signed_in_person_is_still_a_valid_hint(app, client, actors):
    """Apps keep old ID tokens: an expired one still names the person and is accepted."""
    actors.user()
    rp = actors.rp()
    claims = id_token_claims(client, actors.tokens(client, rp)["id_token"])
    claims.update(iat=claims["iat"] - 7200, exp=claims["exp"] - 7200)
    with app.app_context():
        kid, key = keys.key_ring(app).signing_key("RS256")
        expired = jwt.encode({"alg": "RS256", "kid": kid}, claims, key)
    params = request_params(rp, prompt="none", id_token_hint=expired)
    assert "code" in callback(client.get("/authorize", query_string=params), rp)


def test_id_token_hint_of_another_person_asks_to_sign_in_again(app, client, actors):
    """A hint naming someone other than the signed-in person leads back to the sign-in."""
    actors.user()
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org")
    rp = actors.rp()
    bob_browser = app.test_client()
    first = bob_browser.get("/authorize", query_string=request_params(rp))
    bob_token = actors.redeem(bob_browser, rp, callback(
        sign_in(actors, bob_browser, first, username=BOB), rp)["code"]).json["id_token"]
    actors.sign_in(client, rp)
    hinted = client.get("/authorize", query_string=request_params(rp, id_token_hint=bob_token))
    assert shows_sign_in(client, hinted)
    silent = request_params(rp, prompt="none", id_token_hint=bob_token)
    assert callback(client.get("/authorize", query_string=silent), rp)["error"] == "login_required"


def test_ui_locales_is_accepted(client, actors):
    """ui_locales is accepted: the sign-in screen is shown as usual."""
    actors.user()
    rp = actors.rp()
    response = client.get("/authorize", query_string=request_params(rp, ui_locales="fr-FR en"))
    assert shows_sign_in(client, response)


def test_essential_claims_asked_by_the_claims_parameter_are_delivered(client, actors):
    """Claims asked for in `claims` appear in the ID token and at userinfo beyond the scope."""
    actors.user()
    rp = actors.rp()
    claims = {"id_token": {"email": {"essential": True}},
              "userinfo": {"name": {"essential": True}}}
    tokens = actors.tokens(client, rp, scope="openid", claims=json.dumps(claims))
    id_claims = id_token_claims(client, tokens["id_token"])
    assert id_claims["email"] == "alice.martin@chu-test.mssante.fr" and "name" not in id_claims
    info = client.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.json["name"] == "Alice Martin" and "email" not in info.json
    plain = actors.tokens(client, rp, scope="openid")
    assert "email" not in id_token_claims(client, plain["id_token"])


def test_a_password_sign_in_for_an_app_content_with_pwd_gives_acr_pwd(client, actors):
    """An app whose minimum is pwd gets acr "pwd" and amr ["pwd"] after a password sign-in."""
    actors.user()
    claims = id_token_claims(client, actors.tokens(client, actors.rp(min_acr="pwd"))["id_token"])
    assert claims["acr"] == "pwd" and claims["amr"] == ["pwd"]
    assert claims["iss"] == ISSUER and "auth_time" in claims and "sid" in claims


def assert_asks_second_factor_only(response) -> None:
    """The screen asks for a second factor, not for the password again."""
    assert response.status_code == 200, response.text[:300]
    assert "Authentification à deux facteurs" in response.text
    assert 'name="password"' not in response.text


def test_acr_values_mfa_with_a_password_session_asks_the_second_factor_only(client, actors):
    """Asking mfa when only a password was given: step-up, the factor without the password."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    params = request_params(rp, acr_values="mfa")
    assert_asks_second_factor_only(follow(client, client.get("/authorize", query_string=params)))


def test_an_app_requiring_mfa_gets_the_code_step_after_the_password(client, actors):
    """An app whose minimum is mfa (the default): after the password comes the code step."""
    actors.user()
    rp = actors.rp(min_acr="mfa")
    params = request_params(rp)
    after_password = actors.login(client, client.get("/authorize", query_string=params))
    assert after_password.status_code == 302
    assert after_password.headers["Location"].endswith("/code")


def test_an_essential_acr_claim_counts_like_acr_values(client, actors):
    """An essential acr asked through the claims parameter is a requirement too."""
    actors.user()
    rp = actors.rp()
    actors.sign_in(client, rp)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": ["mfa"]}}})
    response = client.get("/authorize", query_string=request_params(rp, claims=claims))
    assert_asks_second_factor_only(follow(client, response))
