"""Accounts in the administration's web area (/admin/comptes): the referent manages the
accounts of their organisation and nothing else, each action ends in the audit trail under
the name of the person who acted, refusals show the form again with the reason, and only an
administrator changes organisation and role."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import pytest

from idp.admin import accounts
from idp.extensions import db
from idp.models import (
    AuditEvent,
    User,
)

from ..helpers import audit_events
from .conftest import ADA, ALICE, BOB, ORG_A, RITA
from .web_journey import (
    ACTIONS,
    account_url,
    follow,
    post,
    shown,
    sign_in,
    state,
    user_of,
)


def _by(event: AuditEvent) -> str | None:
    detail = event.detail or {}
    return detail.get("by") or detail.get("linked_by") or detail.get("unlinked_by") or detail.get(
        "requested_by")


# -- the referent ---------------------------------------------------------------------------

def test_the_referent_sees_the_accounts_of_their_organisation_only(client, world, mail_catcher):
    page, _ = sign_in(client, mail_catcher, RITA)
    assert ALICE in page.text and RITA in page.text and BOB not in page.text
    assert "Créer un compte" in shown(page)
    found = client.get("/admin/comptes?q=martin")
    assert ALICE in found.text and RITA not in found.text.split("<table")[-1]
    assert client.get(account_url(BOB)).status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_of_the_referent_on_an_account_of_their_organisation_works_and_is_audited(
        app, client, world, mail_catcher, action):
    suffix, fields, prepare, event, check = ACTIONS[action]
    if prepare:
        prepare(app, world, ALICE)
    sign_in(client, mail_catcher, RITA)
    page = client.get(account_url(ALICE))
    assert f'action="{account_url(ALICE)}{suffix}"' in page.text  # the page has the button
    done, path = follow(client, post(client, account_url(ALICE) + suffix, page, **fields))
    assert done.status_code == 200, shown(done)[:2000]
    assert urlsplit(path).path == account_url(ALICE)
    assert 'class="notice"' in done.text
    recorded = [e for e in audit_events(app, event) if e.user_id == user_of(app, ALICE).id]
    assert recorded and _by(recorded[-1]) == RITA
    if check:
        assert check(user_of(app, ALICE))


def test_the_referent_creates_an_account_and_the_person_gets_a_link_not_a_password(
        app, client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    form = client.get("/admin/comptes/nouveau")
    assert "Prénom et nom" in shown(form) and 'name="password"' not in form.text
    done, path = follow(client, post(client, "/admin/comptes/nouveau", form,
                                     address="Chloe.Petit@chu-a.mssante.fr", name="Chloé Petit",
                                     notification_email="chloe@example.org", phone="",
                                     organisation=ORG_A))
    assert "Le compte chloe.petit@chu-a.mssante.fr est créé" in shown(done)
    created = user_of(app, "chloe.petit@chu-a.mssante.fr")
    assert created.password_hash is None and created.role == "user"
    [event] = audit_events(app, "admin.account_created")
    assert event.detail["by"] == RITA
    message = mail_catcher.messages("email")[0]
    assert message["to"] == ["chloe@example.org"] or "chloe@example.org" in str(message["to"])
    assert "chloe.petit@chu-a.mssante.fr" in client.get("/admin/comptes").text


@pytest.mark.parametrize(("fields", "status", "message"), [
    ({"address": "not an address", "name": "X Y", "notification_email": "x@example.org"}, 400,
     "n'est pas une adresse e-mail valide"),
    ({"address": ALICE, "name": "Alice Bis", "notification_email": "x@example.org"}, 409,
     "existe déjà"),
])
def test_a_refused_creation_shows_the_form_again_with_the_reason(
        client, world, mail_catcher, fields, status, message):
    sign_in(client, mail_catcher, RITA)
    page = post(client, "/admin/comptes/nouveau", **fields)
    assert page.status_code == status
    assert message in shown(page) and 'name="address"' in page.text
    assert html.escape(fields["name"]) in page.text  # what was typed stays


def test_a_refused_action_shows_the_account_again_with_the_reason(app, client, world,
                                                                   mail_catcher):
    sign_in(client, mail_catcher, RITA)
    page = post(client, account_url(ALICE) + "/modifier", name="Alice Martin", phone="06 12")
    assert page.status_code == 400
    assert "format international" in shown(page) and ALICE in page.text
    assert user_of(app, ALICE).phone == "+33611223344"


def test_the_referent_cannot_create_an_account_elsewhere_or_give_a_role(app, client, world,
                                                                       mail_catcher):
    sign_in(client, mail_catcher, RITA)
    form = client.get("/admin/comptes/nouveau")
    assert 'name="role"' not in form.text and "750000002" not in form.text
    response = post(client, "/admin/comptes/nouveau", address="x.y@chu-b.mssante.fr",
                    name="X Y", notification_email="x@example.org", organisation="750000002")
    assert response.status_code == 404
    response = post(client, "/admin/comptes/nouveau", address="x.y@chu-a.mssante.fr",
                    name="X Y", notification_email="x@example.org", role="admin")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email.like("x.y@%"))) is None


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_on_another_organisations_account_is_not_found_and_changes_nothing(
        app, client, world, mail_catcher, action):
    suffix, fields, prepare, _event, _check = ACTIONS[action]
    if prepare:
        prepare(app, world, BOB)
    sign_in(client, mail_catcher, RITA)
    page = client.get("/admin/comptes")
    before = state(app, BOB)
    response = post(client, account_url(BOB) + suffix, page, **fields)
    assert response.status_code == 404
    assert "n'existe pas" in shown(response)
    assert state(app, BOB) == before


# -- administrators: roles -------------------------------------------------------------------

def test_an_administrator_changes_organisation_and_role(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, ADA)
    page = client.get(account_url(BOB))
    done, _ = follow(client, post(client, account_url(BOB) + "/modifier", page, name="Bob Durand",
                                  phone="", organisation=ORG_A, role="referent"))
    assert done.status_code == 200
    bob = user_of(app, BOB)
    assert bob.role == "referent"
    [event] = audit_events(app, "admin.account_updated")
    assert sorted(event.detail["fields"]) == ["organisation", "role"]


def test_a_referent_cannot_change_an_administrators_account(app, client, world, mail_catcher):
    with app.app_context():
        accounts.update_account(world.admin, ADA, organisation=ORG_A)
        db.session.commit()
        db.session.remove()
    sign_in(client, mail_catcher, RITA)
    page = client.get(account_url(ADA))
    assert page.status_code == 200 and 'method="post"' not in page.text
    assert post(client, account_url(ADA) + "/desactiver").status_code == 403
    assert user_of(app, ADA).status == "active"


def test_nobody_disables_their_own_account_from_the_area(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    page = client.get(account_url(RITA))
    assert f'action="{account_url(RITA)}/desactiver"' not in page.text
    assert post(client, account_url(RITA) + "/desactiver").status_code == 403
    assert user_of(app, RITA).status == "active"
