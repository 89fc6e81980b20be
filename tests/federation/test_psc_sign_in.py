"""Signing in with Pro Santé Connect, against a real PSC-like provider (npm's oidc-provider):
both forms of its answers (HS256 + JSON userinfo, RS256 + JWT userinfo), the linked account,
the levels (eidas1 -> mfa), the unknown identity, and every failure back on the sign-in screen."""

from __future__ import annotations

import time

import pytest

from idp.extensions import db
from idp.models import FederatedIdentity, UpstreamLogin

from ..delivery_servers import app_settings
from ..helpers import audit_events, live_sessions
from ..interaction.second_factor_journey import finish, id_token_of, shown, start
from .conftest import CALLBACK, STRANGER_ID, back_from_upstream, psc_sign_in, to_upstream
from .psc_upstream import cancel_upstream, sign_in_upstream

pytestmark = pytest.mark.slow


@pytest.fixture
def rp(actors):
    return actors.rp(min_acr="mfa")


def test_a_linked_person_signs_in_with_pro_sante_connect(app, client, browser, actors, rp,
                                                         psc, alice_linked):
    answer, verifier = psc_sign_in(client, browser, actors, rp)

    query = finish(client, answer, rp)
    claims = id_token_of(client, actors, rp, query, verifier)
    assert claims["acr"] == "mfa"
    assert claims["amr"] == ["pwd", "otp", "fed"]  # the upstream's amr, then the federation
    assert claims["sid"]
    [signed_in] = audit_events(app, "federation.signed_in")
    assert signed_in.detail["upstream"] == "psc"
    with app.app_context():
        assert db.session.scalar(db.select(UpstreamLogin.upstream)) == "psc"


def test_the_sign_in_screen_offers_pro_sante_connect_when_configured(app, client, actors, rp,
                                                                     psc):
    page, _ = start(client, actors, rp)
    assert "S'identifier avec" in shown(page) and "PRO SANTÉ CONNECT" in shown(page)
    with app_settings(app, PSC_CLIENT_ID=""):
        page, _ = start(client, actors, rp)
        assert client.get("/federation/psc/login?uid=x").status_code == 404
    assert "PRO SANTÉ CONNECT" not in shown(page)


def test_after_pro_sante_connect_a_step_up_to_mfa_asks_nothing_more(app, client, browser,
                                                                    actors, psc, alice_linked):
    light = actors.rp(min_acr="pwd", name="Annuaire")
    strong = actors.rp(min_acr="mfa", name="Messagerie")
    answer, _ = psc_sign_in(client, browser, actors, light)
    finish(client, answer, light)

    response = client.get("/authorize", query_string=actors.auth_params(strong))

    assert response.headers["Location"].startswith(strong.redirect_uri)


def test_max_age_on_a_brokered_session_goes_back_to_the_sign_in_screen(
        app, client, browser, actors, rp, psc, alice_linked):
    answer, _ = psc_sign_in(client, browser, actors, rp)
    finish(client, answer, rp)
    page, _ = start(client, actors, rp, max_age="0")
    assert 'name="password"' in page.text and 'class="psc"' in page.text


def test_an_unknown_identity_is_explained_and_no_account_is_created(app, client, browser,
                                                                   actors, rp, psc):
    actors.user()  # Alice exists but is not linked: never matched by e-mail or name
    answer, _ = psc_sign_in(client, browser, actors, rp, account="stranger")

    assert answer.status_code == 403
    text = shown(answer)
    assert "aucun compte MSSanté n'est lié à cette identité" in text
    assert STRANGER_ID in text and "référent" in text and "Lier mon identité" in text
    assert live_sessions(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FederatedIdentity.id))) == 0
    [unknown] = audit_events(app, "federation.unknown_identity")
    assert unknown.detail["subject"] == STRANGER_ID


def test_a_disabled_account_cannot_sign_in_through_pro_sante_connect(app, client, browser,
                                                                     actors, rp, psc,
                                                                     alice_linked):
    from idp.models import User
    with app.app_context():
        db.session.execute(db.update(User).values(status="disabled"))
        db.session.commit()
    answer, _ = psc_sign_in(client, browser, actors, rp)
    assert answer.status_code == 403 and "désactivé" in shown(answer)
    assert live_sessions(app) == 0


def failed_back_on_the_sign_in_screen(app, client, answer, expected: str, reason: str):
    """The failure leads back to the sign-in screen, says ``expected``, is audited with
    ``reason``, and leaves no session."""
    assert answer.status_code == 302, answer.text[:300]
    screen = client.get(answer.headers["Location"])
    assert screen.status_code == 200
    assert expected in shown(screen) and 'name="password"' in screen.text
    [failed] = audit_events(app, "federation.failed")
    assert reason in failed.detail["reason"], failed.detail
    assert live_sessions(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(UpstreamLogin.id))) == 0
    return screen


def test_cancelling_at_pro_sante_connect_returns_to_the_sign_in_screen(app, client, browser,
                                                                       actors, rp, psc,
                                                                       alice_linked):
    url, _, _ = to_upstream(client, actors, rp)
    answer = back_from_upstream(client, cancel_upstream(browser, url, CALLBACK))
    failed_back_on_the_sign_in_screen(app, client, answer, "Connexion avec Pro Santé Connect "
                                      "annulée", "access_denied")


def test_a_wrong_state_is_refused(app, client, browser, actors, rp, psc, alice_linked):
    url, _, _ = to_upstream(client, actors, rp)
    callback = sign_in_upstream(browser, url, "alice", CALLBACK)
    answer = back_from_upstream(client, callback.replace("state=", "state=forged"))
    failed_back_on_the_sign_in_screen(app, client, answer, "n'a pas pu être vérifiée", "state")


def test_a_replayed_answer_is_refused(app, client, browser, actors, rp, psc, alice_linked):
    url, _, _ = to_upstream(client, actors, rp)
    callback = sign_in_upstream(browser, url, "alice", CALLBACK)
    finish(client, back_from_upstream(client, callback), rp)
    again = back_from_upstream(client, callback)
    assert again.status_code == 400 and "n'a pas pu être vérifiée" in shown(again)


@pytest.mark.parametrize(("faults", "reason"), [
    ({"id_token_signing_secret": "not-our-secret-0123456789abcdef0123"}, "id_token"),
    ({"id_token_claims": {"nonce": "wrong"}}, "nonce"),
    ({"id_token_claims": {"exp": 1_000_000_000, "iat": 999_999_000}}, "id_token"),
    ({"id_token_claims": {"aud": "someone-else"}}, "id_token"),
    ({"id_token_claims": {"iss": "https://evil.example"}}, "iss"),
])
def test_an_answer_that_fails_a_check_is_refused(app, client, browser, actors, rp, psc,
                                                 alice_linked, faults, reason):
    psc.set_faults(**faults)
    answer, _ = psc_sign_in(client, browser, actors, rp)
    failed_back_on_the_sign_in_screen(app, client, answer, "n'a pas pu être vérifiée", reason)


@pytest.mark.parametrize(("account", "faults"), [
    ("no-acr", {}),
    ("alice", {"id_token_claims": {"acr": "eidas0"}}),
])
def test_no_acr_or_a_lower_one_than_asked_is_refused(app, client, browser, actors, rp, psc,
                                                     alice_linked, account, faults):
    psc.set_faults(**faults)
    answer, _ = psc_sign_in(client, browser, actors, rp, account=account)
    failed_back_on_the_sign_in_screen(app, client, answer, "niveau d'authentification "
                                      "suffisant", "acr")


def test_pro_sante_connect_down_at_the_token_endpoint(app, client, browser, actors, rp, psc,
                                                      alice_linked):
    psc.set_faults(token_status=503)
    answer, _ = psc_sign_in(client, browser, actors, rp)
    failed_back_on_the_sign_in_screen(app, client, answer, "ne répond pas", "token endpoint")


def test_pro_sante_connect_unreachable_when_the_button_is_pressed(app, client, actors, rp, psc,
                                                                  alice_linked, unused_port):
    page, _ = start(client, actors, rp)
    with app_settings(app, PSC_DISCOVERY_URL=f"http://127.0.0.1:{unused_port}/x"):
        answer = client.get(f"/federation/psc/login?uid={page.request.path.rsplit('/', 1)[1]}")
    failed_back_on_the_sign_in_screen(app, client, answer, "ne répond pas", "ConnectionError")


def test_discovery_and_keys_are_served_from_memory(app, client, browser, actors, rp, psc,
                                                   alice_linked, variant):
    answer, _ = psc_sign_in(client, browser, actors, rp)
    finish(client, answer, rp)
    cached = dict(app.extensions["federation_metadata"])
    answer, _ = psc_sign_in(client, browser, actors, rp, prompt="login")
    finish(client, answer, rp)
    again = app.extensions["federation_metadata"]
    # HS256 answers are checked with the client secret: the keys are fetched for RS256 only
    assert {kind for _, kind in cached} == ({"discovery", "jwks"} if variant == "rs"
                                            else {"discovery"})
    assert all(again[key][1] is cached[key][1] for key in cached)  # not fetched again
    assert all(expires > time.monotonic() for expires, _ in again.values())
