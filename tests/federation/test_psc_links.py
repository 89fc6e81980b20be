"""Linking an account to Pro Santé Connect: by a referent (`idp users link-psc`), or by the
person from their account page after a complete local sign-in; unlinking; every change audited;
never by e-mail address."""

from __future__ import annotations

import pytest

from idp.accounts.federated_identities import PSC, link_identity
from idp.extensions import db
from idp.models import FederatedIdentity, User

from ..helpers import audit_events
from ..interaction.second_factor_journey import ALICE, finish, id_token_of, shown
from ..portal.account_journey import follow, post, sign_in_to_account
from .conftest import CALLBACK, NATIONAL_ID, back_from_upstream, psc_sign_in
from .psc_upstream import sign_in_upstream

pytestmark = pytest.mark.slow
BOB = "bob.durand@chu-test.mssante.fr"


def links(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(email, upstream, subject) for email, upstream, subject in db.session.execute(
            db.select(User.email, FederatedIdentity.upstream, FederatedIdentity.subject)
            .join(FederatedIdentity, FederatedIdentity.user_id == User.id))]


def test_a_referent_links_and_unlinks_with_the_cli(app, runner, actors):
    actors.user()
    linked = runner.invoke(args=["users", "link-psc", ALICE, NATIONAL_ID])
    assert linked.exit_code == 0, linked.output
    assert f"lié à Pro Santé Connect : {NATIONAL_ID}" in linked.output
    assert links(app) == [(ALICE, "psc", NATIONAL_ID)]
    again = runner.invoke(args=["users", "link-psc", ALICE, NATIONAL_ID])
    assert again.exit_code == 0 and len(audit_events(app, "federation.linked")) == 1

    unlinked = runner.invoke(args=["users", "unlink-psc", ALICE])

    assert unlinked.exit_code == 0 and "supprimé" in unlinked.output
    assert links(app) == []
    [event] = audit_events(app, "federation.unlinked")
    assert event.detail == {"upstream": "psc", "subject": NATIONAL_ID, "unlinked_by": "cli"}


@pytest.mark.parametrize(("args", "message"), [
    (["users", "link-psc", ALICE, "81000 1234"], "identifiant national"),
    (["users", "link-psc", ALICE, ""], "identifiant national"),
    (["users", "link-psc", "nobody@chu-test.mssante.fr", NATIONAL_ID], "nobody@"),
    (["users", "link-psc", BOB, NATIONAL_ID], "déjà liée à un autre compte"),
    (["users", "link-psc", ALICE, "810007654321"], "supprimez d'abord ce lien"),
])
def test_the_cli_refuses_bad_or_conflicting_links_and_changes_nothing(app, runner, actors,
                                                                      args, message):
    actors.user()
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org")
    assert runner.invoke(args=["users", "link-psc", ALICE, NATIONAL_ID]).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output
    assert links(app) == [(ALICE, "psc", NATIONAL_ID)]


def test_a_person_links_their_identity_from_the_account_page(app, client, browser, actors,
                                                             psc, mail_catcher):
    actors.user()
    account = sign_in_to_account(client, mail_catcher)
    assert "Lier mon identité Pro Santé Connect" in shown(account)

    off = post(client, account, "/federation/psc/link")
    assert off.status_code == 302 and off.headers["Location"].startswith(psc.issuer)
    back = back_from_upstream(client, sign_in_upstream(browser, off.headers["Location"], "alice",
                                                       CALLBACK))

    page = follow(client, back)
    assert "Votre identité Pro Santé Connect est liée à votre compte" in shown(page)
    assert NATIONAL_ID in page.text
    assert links(app) == [(ALICE, "psc", NATIONAL_ID)]
    [event] = audit_events(app, "federation.linked")
    assert event.detail["linked_by"] == "self"


def test_after_linking_the_person_signs_in_with_pro_sante_connect(app, client, browser, actors,
                                                                  psc, mail_catcher):
    actors.user()
    account = sign_in_to_account(client, mail_catcher)
    off = post(client, account, "/federation/psc/link")
    follow(client, back_from_upstream(client, sign_in_upstream(
        browser, off.headers["Location"], "alice", CALLBACK)))
    rp = actors.rp(min_acr="mfa")
    other_browser = app.test_client()  # another day, no session here

    answer, verifier = psc_sign_in(other_browser, browser, actors, rp)

    claims = id_token_of(other_browser, actors, rp, finish(other_browser, answer, rp), verifier)
    assert claims["acr"] == "mfa" and "fed" in claims["amr"]


def test_linking_needs_a_complete_local_sign_in(app, client, actors, psc, mail_catcher):
    """Without a session of password and second factor, the link action starts nothing."""
    actors.user()
    response = client.post("/federation/psc/link")
    assert response.status_code == 400  # no CSRF token: refused before anything else
    account = sign_in_to_account(client, mail_catcher)
    with app.app_context():
        from idp.models import SsoSession
        db.session.execute(db.update(SsoSession).values(acr="pwd"))
        db.session.commit()
    refused = post(client, account, "/federation/psc/link")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/account")
    assert audit_events(app, "federation.started") == []


def test_an_identity_already_linked_to_someone_else_is_not_taken(app, client, browser, actors,
                                                                 psc, mail_catcher):
    actors.user()
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org")
    with app.app_context():
        bob = db.session.scalar(db.select(User).where(User.email == BOB))
        link_identity(bob, PSC, NATIONAL_ID, linked_by="cli")
        db.session.commit()
    account = sign_in_to_account(client, mail_catcher)
    off = post(client, account, "/federation/psc/link")

    page = follow(client, back_from_upstream(client, sign_in_upstream(
        browser, off.headers["Location"], "alice", CALLBACK)))

    assert "déjà liée à un autre compte" in shown(page)
    assert links(app) == [(BOB, "psc", NATIONAL_ID)]
    assert audit_events(app, "federation.link_refused")


def test_a_person_removes_the_link_from_the_account_page(app, client, actors, psc,
                                                         mail_catcher):
    actors.user()
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "link-psc", ALICE, NATIONAL_ID])
    account = sign_in_to_account(client, mail_catcher)
    assert NATIONAL_ID in account.text

    page = follow(client, post(client, account, "/account/pro-sante-connect/unlink"))

    assert "Le lien avec Pro Santé Connect est supprimé" in shown(page)
    assert links(app) == []
    [event] = audit_events(app, "federation.unlinked")
    assert event.detail["unlinked_by"] == "self"
