"""The interaction policy, check by check: when a request needs the person to sign in, to add a
second factor, or to consent, and when a code can be issued at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from idp.extensions import db
from idp.models import AuthorizationRequest, Client, Consent, SsoSession, User
from idp.models.base import new_identifier, utcnow
from idp.oidc import policy
from idp.oidc.policy import Need

ALICE = "alice.martin@chu-test.mssante.fr"
BOB = "bob.durand@chu-test.mssante.fr"


@pytest.fixture
def people(actors, ctx):
    """Alice and Bob, a first-party app (min pwd) and a partner app (min mfa), in the DB."""
    actors.user()
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org")
    first = actors.rp(name="Webmail", min_acr="pwd")
    partner = actors.rp(name="Partner", min_acr="mfa", first_party=False)

    def user(email):
        return db.session.scalar(db.select(User).where(User.email == email))

    def client(rp):
        return db.session.scalar(db.select(Client).where(Client.client_id == rp.client_id))

    return {"alice": user(ALICE), "bob": user(BOB), "webmail": client(first),
            "partner": client(partner)}


def sso(user, acr="pwd", signed_in_ago=timedelta(0)) -> SsoSession:
    """A live session of ``user``, signed in ``signed_in_ago``."""
    when = utcnow() - signed_in_ago
    row = SsoSession(sid=new_identifier(24), secret_hash=new_identifier(32), user=user,
                     user_id=user.id, acr=acr, amr=[acr],
                     auth_time=when, created_at=when, last_seen_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def parked(ago=timedelta(0)) -> AuthorizationRequest:
    """A pending request parked ``ago`` (only its creation time matters to the policy)."""
    return AuthorizationRequest(created_at=utcnow() - ago)


def context(client, session=None, **changes) -> policy.Context:
    base = policy.Context(client=client, scope="openid profile", prompts=[], max_age=None,
                          acr_values=[], claims=None, hinted_subject=None, session=session,
                          pending=None)
    return replace(base, **changes)


def consent(user, client, scope, ago=timedelta(0)) -> Consent:
    row = Consent(user_id=user.id, client_id=client.client_id, scope=scope,
                  granted_at=utcnow() - ago)
    db.session.add(row)
    db.session.commit()
    return row


def acr_claim(values, essential=True):
    return {"id_token": {"acr": {"essential": essential, "values": values}}}


@pytest.mark.parametrize(("min_acr", "acr_values", "claims", "expected"), [
    ("mfa", [], None, "mfa"),
    ("pwd", [], None, "pwd"),
    ("pwd", ["mfa"], None, "mfa"),
    ("pwd", ["pwd", "mfa"], None, "pwd"),
    ("mfa", ["pwd"], None, "mfa"),
    ("pwd", ["eidas3", "urn:other"], None, "pwd"),
    ("pwd", [], acr_claim(["mfa"]), "mfa"),
    ("pwd", [], acr_claim(["mfa"], essential=False), "pwd"),
    ("pwd", [], {"id_token": {"acr": {"essential": True, "value": "mfa"}}}, "mfa"),
    ("gold", [], None, "mfa"),
])
def test_the_required_level_is_the_weakest_that_meets_app_and_request(
        ctx, min_acr, acr_values, claims, expected):
    """The app's minimum always holds; among the levels the request accepts the weakest wins;
    unknown values and non-essential claims are ignored; an unknown minimum means mfa."""
    app_client = Client(client_id="c", name="App", min_acr=min_acr)
    assert policy.required_acr(context(app_client, acr_values=acr_values, claims=claims)) == \
        expected


def test_nobody_signed_in_needs_a_login(people):
    """Without a session, the person must sign in; with one, this check passes."""
    assert policy.no_session(context(people["webmail"])) == Need("login", "no_session")
    assert policy.no_session(context(people["webmail"], sso(people["alice"]))) is None


def test_prompt_login_needs_a_login_made_for_this_request(people):
    """prompt=login passes only for a sign-in made after the request was parked."""
    session = sso(people["alice"], signed_in_ago=timedelta(minutes=5))
    ask = context(people["webmail"], session, prompts=["login"])
    assert policy.prompt_login(ask) == Need("login", "prompt_login")
    assert policy.prompt_login(replace(ask, pending=parked(timedelta(minutes=1)))) == \
        Need("login", "prompt_login")
    assert policy.prompt_login(replace(ask, pending=parked(timedelta(minutes=10)))) is None
    assert policy.prompt_login(replace(ask, prompts=["consent"])) is None


@pytest.mark.parametrize(("max_age", "signed_in_ago", "too_old"), [
    (None, timedelta(hours=5), False),
    (3600, timedelta(minutes=5), False),
    (300, timedelta(minutes=10), True),
    (0, timedelta(0), True),
])
def test_max_age_needs_an_authentication_no_older_than_asked(people, max_age, signed_in_ago,
                                                             too_old):
    """An authentication older than max_age seconds (max_age=0: any) must be redone: the
    password for a request that needs only pwd, the second factor for one that needs mfa."""
    session = sso(people["alice"], acr="mfa", signed_in_ago=signed_in_ago)
    for client, prompt in ((people["webmail"], "login"), (people["partner"], "mfa")):
        need = policy.max_age(context(client, session, max_age=max_age))
        assert need == (Need(prompt, "max_age") if too_old else None)
    asking_mfa = context(people["webmail"], session, max_age=max_age, acr_values=["mfa"])
    assert policy.max_age(asking_mfa) == (Need("mfa", "max_age") if too_old else None)


def test_max_age_is_met_by_a_sign_in_made_for_this_request(people):
    """After the forced sign-in, max_age=0 no longer asks again (no endless loop)."""
    session = sso(people["alice"])
    ask = context(people["webmail"], session, max_age=0, pending=parked(timedelta(seconds=30)))
    assert policy.max_age(ask) is None


def test_id_token_hint_of_another_person_needs_a_login(people):
    """A hint naming someone else than the signed-in person needs a login; theirs passes."""
    session = sso(people["alice"])
    ask = context(people["webmail"], session)
    assert policy.id_token_hint(ask) is None
    assert policy.id_token_hint(replace(ask, hinted_subject=people["alice"].subject)) is None
    assert policy.id_token_hint(replace(ask, hinted_subject=people["bob"].subject)) == \
        Need("login", "id_token_hint_other_user")


@pytest.mark.parametrize(("session_acr", "client", "acr_values", "needs_mfa"), [
    ("pwd", "webmail", [], False),
    ("pwd", "webmail", ["mfa"], True),
    ("pwd", "partner", [], True),
    ("mfa", "partner", [], False),
    ("mfa", "webmail", ["mfa"], False),
    ("eidas1", "webmail", [], True),
])
def test_a_session_weaker_than_required_needs_a_second_factor(people, session_acr, client,
                                                              acr_values, needs_mfa):
    """A password session meets pwd but not mfa; a level the provider does not know meets
    nothing."""
    session = sso(people["alice"], acr=session_acr)
    need = policy.acr_not_met(context(people[client], session, acr_values=acr_values))
    assert need == (Need("mfa", "acr") if needs_mfa else None)


def test_a_first_party_app_never_asks_for_consent(people):
    """The operator's own apps are trusted: no consent screen."""
    session = sso(people["alice"])
    assert policy.consent_missing(context(people["webmail"], session)) is None


def test_consent_is_needed_until_the_person_allowed_every_asked_scope(people):
    """No consent, or a consent for fewer scopes than asked, needs the consent screen."""
    session = sso(people["alice"])
    ask = context(people["partner"], session, scope="openid profile")
    assert policy.consent_missing(ask) == Need("consent", "no_consent")
    consent(people["alice"], people["partner"], "openid")
    assert policy.consent_missing(ask) == Need("consent", "no_consent")
    db.session.scalar(db.select(Consent)).scope = "openid profile email"
    db.session.commit()
    assert policy.consent_missing(ask) is None
    assert policy.consent_missing(replace(ask, scope="openid")) is None


def test_a_consent_counts_only_for_its_person_and_its_app(people):
    """Bob's consent does not answer for Alice, nor one app's for another."""
    other_app = people["webmail"]
    consent(people["bob"], people["partner"], "openid profile")
    consent(people["alice"], other_app, "openid profile")
    ask = context(people["partner"], sso(people["alice"]))
    assert policy.consent_missing(ask) == Need("consent", "no_consent")


def test_prompt_consent_asks_again_unless_given_for_this_request(people):
    """prompt=consent shows the screen again, unless consent was given after the request."""
    session = sso(people["alice"])
    row = consent(people["alice"], people["partner"], "openid profile", ago=timedelta(minutes=5))
    ask = context(people["partner"], session, prompts=["consent"])
    assert policy.consent_missing(ask) == Need("consent", "prompt_consent")
    assert policy.consent_missing(replace(ask, pending=parked(timedelta(minutes=1)))) == \
        Need("consent", "prompt_consent")
    row.granted_at = utcnow()
    db.session.commit()
    assert policy.consent_missing(replace(ask, pending=parked(timedelta(minutes=1)))) is None


def test_the_first_unmet_check_decides(people):
    """Checks run in order: sign-in first, then the hint, freshness, the level, then consent."""
    partner = people["partner"]
    assert policy.evaluate(context(partner, prompts=["login"])) == Need("login", "no_session")
    weak = sso(people["alice"])
    assert policy.evaluate(context(partner, weak, prompts=["login"])).reason == "prompt_login"
    hinted = context(partner, weak, hinted_subject=people["bob"].subject, max_age=0)
    assert policy.evaluate(hinted).reason == "id_token_hint_other_user"
    assert policy.evaluate(context(partner, weak, max_age=0)) == Need("mfa", "max_age")
    assert policy.evaluate(context(partner, weak)) == Need("mfa", "acr")
    strong = sso(people["alice"], acr="mfa")
    assert policy.evaluate(context(partner, strong)) == Need("consent", "no_consent")


def test_a_request_with_every_check_met_issues_a_code_at_once(people):
    """A live, strong enough session with consent: nothing to ask."""
    session = sso(people["alice"], acr="mfa")
    consent(people["alice"], people["partner"], "openid profile")
    assert policy.evaluate(context(people["partner"], session, max_age=3600,
                                   hinted_subject=people["alice"].subject)) is None
