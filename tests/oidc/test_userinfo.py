"""The userinfo endpoint: who may call it, how the access token travels, and which claims
come back."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from idp.accounts.mailboxes import create_mailbox, grant_access
from idp.accounts.organisations import create_organisation
from idp.extensions import db
from idp.models import Token, User, UserStatus

ALICE = "alice.martin@chu-test.mssante.fr"
ALL_SCOPES = "openid profile email phone mailboxes"


def endpoint(browser, name: str) -> str:
    """An endpoint URL, found through discovery as an outside client would."""
    return browser.get("/.well-known/openid-configuration").json[name]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def subject_of(app, email: str = ALICE) -> str:
    with app.app_context():
        return db.session.scalar(db.select(User.subject).where(User.email == email))


@pytest.fixture
def rp(actors):
    actors.user(phone="+33612345678")
    return actors.rp()


@pytest.fixture
def userinfo_url(client):
    return endpoint(client, "userinfo_endpoint")


def access_token(actors, client, rp, scope=ALL_SCOPES, **extra) -> str:
    return actors.tokens(client, rp, scope=scope, **extra)["access_token"]


def test_a_get_with_the_bearer_token_in_the_header_returns_the_persons_subject(
    app, client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp)
    response = client.get(userinfo_url, headers=bearer(token))
    assert response.status_code == 200
    assert response.json["sub"] == subject_of(app)


def test_a_post_with_the_bearer_token_in_the_header_works_too(
    app, client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp)
    response = client.post(userinfo_url, headers=bearer(token))
    assert response.status_code == 200
    assert response.json["sub"] == subject_of(app)


def test_a_post_may_carry_the_access_token_in_the_form_body(app, client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp)
    response = client.post(userinfo_url, data={"access_token": token})
    assert response.status_code == 200
    assert response.json["sub"] == subject_of(app)


def test_a_get_may_not_carry_the_access_token_in_the_query_string(
    client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp)
    response = client.get(userinfo_url, query_string={"access_token": token})
    assert response.status_code == 401


def test_the_profile_scope_gives_the_names_and_the_preferred_username(
    client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp, scope="openid profile")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims["name"] == "Alice Martin"
    assert claims["given_name"] == "Alice"
    assert claims["family_name"] == "Martin"
    assert claims["preferred_username"] == ALICE


def test_the_email_scope_gives_the_mssante_address_as_a_verified_email(
    client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp, scope="openid email")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims["email"] == ALICE
    assert claims["email_verified"] is True
    assert "alice@example.org" not in json.dumps(claims)  # never the notification address


def test_the_phone_scope_gives_the_phone_number_of_a_person_who_has_one(
    client, actors, rp, userinfo_url
):
    token = access_token(actors, client, rp, scope="openid phone")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims["phone_number"] == "+33612345678"


def test_the_phone_scope_gives_no_phone_number_to_a_person_without_one(
    client, actors, userinfo_url
):
    actors.user()
    rp = actors.rp()
    token = access_token(actors, client, rp, scope="openid phone")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert "phone_number" not in claims


def test_the_mailboxes_scope_lists_the_personal_box_and_the_organisational_boxes_granted(
    app, client, actors, rp, userinfo_url
):
    with app.app_context():
        organisation = create_organisation("750000001", "CHU Test")
        create_mailbox("secretariat.cardio@chu-test.mssante.fr", "ORG", "Secrétariat cardiologie",
                       organisation, sensitive=True)
        create_mailbox("urgences@chu-test.mssante.fr", "ORG", "Urgences", organisation)
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        grant_access(alice, "secretariat.cardio@chu-test.mssante.fr")
        db.session.commit()
    token = access_token(actors, client, rp, scope="openid mailboxes")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims["mailboxes"] == [
        {"address": ALICE, "type": "PER", "name": "Alice Martin", "sensitive": False},
        {"address": "secretariat.cardio@chu-test.mssante.fr", "type": "ORG",
         "name": "Secrétariat cardiologie", "sensitive": True},
    ]


def test_only_openid_gives_nothing_but_the_subject(app, client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp, scope="openid")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims == {"sub": subject_of(app)}


def test_no_claim_is_given_beyond_the_granted_scopes(client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp, scope="openid profile")
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert set(claims) == {"sub", "name", "given_name", "family_name", "preferred_username"}


def test_the_claims_parameter_adds_a_userinfo_claim_the_scope_does_not_cover(
    client, actors, rp, userinfo_url
):
    requested = json.dumps({"userinfo": {"email": {"essential": True}, "phone_number": None}})
    token = access_token(actors, client, rp, scope="openid profile", claims=requested)
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert claims["email"] == ALICE
    assert claims["phone_number"] == "+33612345678"
    assert claims["name"] == "Alice Martin"
    assert "mailboxes" not in claims


def test_the_claims_parameter_cannot_ask_for_an_unknown_claim(client, actors, rp, userinfo_url):
    requested = json.dumps({"userinfo": {"notification_email": None, "password_hash": None}})
    token = access_token(actors, client, rp, scope="openid", claims=requested)
    claims = client.get(userinfo_url, headers=bearer(token)).json
    assert set(claims) == {"sub"}


def test_the_answer_is_never_cached(client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp)
    response = client.get(userinfo_url, headers=bearer(token))
    assert response.headers["Cache-Control"] == "no-store"


def test_a_request_without_a_token_gets_401(client, userinfo_url):
    assert client.get(userinfo_url).status_code == 401
    assert client.post(userinfo_url, data={"access_token": ""}).status_code == 401


def test_an_unknown_token_gets_401(client, userinfo_url):
    assert client.get(userinfo_url, headers=bearer("not-a-token-we-issued")).status_code == 401


def test_a_refresh_token_is_not_accepted_as_an_access_token(client, actors, rp, userinfo_url):
    refresh = actors.tokens(client, rp, scope=ALL_SCOPES)["refresh_token"]
    assert client.get(userinfo_url, headers=bearer(refresh)).status_code == 401


def test_an_expired_token_gets_401(app, client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp)
    with app.app_context():
        row = db.session.scalar(db.select(Token))
        row.issued_at -= timedelta(seconds=row.expires_in + 1)
        db.session.commit()
    assert client.get(userinfo_url, headers=bearer(token)).status_code == 401


def test_a_revoked_token_gets_401(client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp)
    assert client.get(userinfo_url, headers=bearer(token)).status_code == 200
    revoked = client.post(endpoint(client, "revocation_endpoint"), data={"token": token},
                          auth=(rp.client_id, rp.client_secret))
    assert revoked.status_code == 200
    assert client.get(userinfo_url, headers=bearer(token)).status_code == 401


def narrowed_token(client, actors, rp) -> str:
    """An access token of the person without the openid scope (a refresh narrowed the scope)."""
    tokens = actors.tokens(client, rp, scope=ALL_SCOPES)
    narrowed = client.post(endpoint(client, "token_endpoint"), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "scope": "profile email",
    }, auth=(rp.client_id, rp.client_secret))
    assert narrowed.status_code == 200, narrowed.json
    assert "openid" not in narrowed.json["scope"].split()
    return narrowed.json["access_token"]


def test_a_token_without_the_openid_scope_gets_403(client, actors, rp, userinfo_url):
    response = client.get(userinfo_url, headers=bearer(narrowed_token(client, actors, rp)))
    assert response.status_code == 403
    assert ALICE not in response.text


def test_a_request_without_a_token_is_challenged_for_a_bearer_token(client, userinfo_url):
    response = client.get(userinfo_url)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_refused_token_is_answered_with_an_invalid_token_challenge(client, userinfo_url):
    response = client.get(userinfo_url, headers=bearer("not-a-token-we-issued"))
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


def test_a_token_without_the_openid_scope_is_told_insufficient_scope(
    client, actors, rp, userinfo_url
):
    response = client.get(userinfo_url, headers=bearer(narrowed_token(client, actors, rp)))
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="openid"' in challenge


def test_a_token_of_a_disabled_person_is_refused(app, client, actors, rp, userinfo_url):
    token = access_token(actors, client, rp)
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        alice.status = UserStatus.DISABLED.value
        db.session.commit()
    response = client.get(userinfo_url, headers=bearer(token))
    assert response.status_code == 401
    assert ALICE not in response.text


def test_a_client_credentials_token_names_nobody_and_gets_401(client, actors, userinfo_url):
    service = actors.rp(grant_type="client_credentials", redirect_uris=[],
                        post_logout_redirect_uris=[])
    issued = client.post(endpoint(client, "token_endpoint"), data={
        "grant_type": "client_credentials", "scope": "openid profile",
    }, auth=(service.client_id, service.client_secret))
    assert issued.status_code == 200, issued.json
    assert "openid" in issued.json["scope"].split()
    response = client.get(userinfo_url, headers=bearer(issued.json["access_token"]))
    assert response.status_code == 401
