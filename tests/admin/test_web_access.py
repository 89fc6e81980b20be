"""The way into the administration's web area (/admin) and who may do what there: signed in by
the provider itself (password and e-mailed code) and sent back to the page asked, a plain
user refused, support reading everything without a single button, and every action a POST
with its CSRF token (without it, or after the session ended, nothing changes)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from idp.admin import accounts
from idp.extensions import db
from idp.models import (
    Client,
)
from idp.portal import gate

from ..helpers import audit_events
from ..interaction.second_factor_journey import code_page, latest_code, password_step, type_code
from .conftest import ALICE, BOB, RITA, SAM
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

# -- the way in ---------------------------------------------------------------------------------

def test_without_a_session_the_area_sends_through_the_sign_in_and_back_to_the_page_asked(
        client, world, mail_catcher):
    page, path = sign_in(client, mail_catcher, RITA, "/admin/journal?event=admin.")
    assert path == "/admin/journal?event=admin."
    assert page.status_code == 200 and "Journal" in shown(page)
    assert 'value="admin."' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_areas_address_leads_to_the_accounts(client, world, mail_catcher):
    """The address newcomers are given (/admin), after the sign-in: the list of accounts."""
    page, path = sign_in(client, mail_catcher, RITA, "/admin")
    assert path == "/admin/comptes" and page.status_code == 200


def test_the_sign_in_asks_for_two_factors_with_the_built_in_client(app, client, world):
    response = client.get("/admin/comptes")
    query = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", response.headers["Location"]))
    assert query["acr_values"] == "mfa"
    with app.app_context():
        portal = db.session.scalar(db.select(Client).where(Client.client_id == query["client_id"]))
        assert portal.name == gate.PORTAL_NAME and portal.min_acr == "mfa"


def test_a_plain_user_is_refused(client, world, mail_catcher):
    page, _path = sign_in(client, mail_catcher, ALICE)
    assert page.status_code == 403
    assert "réservée aux référents, au support et aux administrateurs" in shown(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert client.get("/admin/journal").status_code == 403


def test_the_account_page_still_comes_back_to_itself(client, world, mail_catcher):
    response = client.get("/account")
    response = client.get(response.headers["Location"])
    page = client.get(response.headers["Location"])
    screen = code_page(client, password_step(client, page, "email", username=ALICE))
    page, path = follow(client, type_code(client, screen, latest_code(mail_catcher)))
    assert path == "/account" and "Mon espace personnel" in page.text


@pytest.mark.parametrize("next_path", ["/admin/comptes", "/admin/journal?person=a%40b.fr&x=1"])
def test_local_pages_are_kept_as_where_to_come_back(next_path):
    assert gate.is_local_path(next_path)


@pytest.mark.parametrize("next_path", ["//evil.example/", "/\\evil.example", "https://evil.example",
                                       "admin", "/admin\r\nLocation: x", ""])
def test_other_sites_are_never_where_to_come_back(next_path):
    assert not gate.is_local_path(next_path)


# -- support ----------------------------------------------------------------------------------

def test_support_reads_everything_and_sees_no_button(client, world, mail_catcher):
    page, _ = sign_in(client, mail_catcher, SAM)
    assert ALICE in page.text and BOB in page.text
    for path in ("/admin/comptes", account_url(ALICE), account_url(BOB), "/admin/journal",
                 "/admin/envois", f"/admin/journal?person={ALICE}", "/admin/boites"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'method="post"' not in response.text, path
        assert response.headers["Cache-Control"] == "no-store"
    assert "Créer un compte" not in shown(client.get("/admin/comptes"))
    assert client.get("/admin/comptes/nouveau").status_code == 403
    assert client.get("/admin/applications").status_code == 403


@pytest.mark.parametrize("action", list(ACTIONS))
def test_support_cannot_act_and_nothing_changes(app, client, world, mail_catcher, action):
    suffix, fields, prepare, _event, _check = ACTIONS[action]
    if prepare:
        prepare(app, world, ALICE)
    sign_in(client, mail_catcher, SAM)
    page = client.get("/admin/comptes")
    before = state(app, ALICE)
    response = post(client, account_url(ALICE) + suffix, page, **fields)
    assert response.status_code == 403
    assert "Votre rôle ne permet pas cette action" in shown(response)
    assert state(app, ALICE) == before


def test_support_cannot_create_an_account(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, SAM)
    response = post(client, "/admin/comptes/nouveau", address="x.y@chu-a.mssante.fr",
                    name="X Y", notification_email="x@example.org")
    assert response.status_code == 403
    assert audit_events(app, "admin.account_created") == []


# -- CSRF, caching --------------------------------------------------------------------------

def test_an_action_without_its_csrf_token_is_refused(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    before = state(app, ALICE)
    response = client.post(account_url(ALICE) + "/desactiver")
    assert response.status_code == 400
    response = client.post(account_url(ALICE) + "/desactiver", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert state(app, ALICE) == before


def test_an_expired_session_on_a_form_goes_through_the_sign_in_to_the_area(
        app, client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    page = client.get(account_url(ALICE))
    with app.app_context():
        accounts.end_sessions(world.admin, RITA)
        db.session.commit()
        db.session.remove()
    response = post(client, account_url(ALICE) + "/desactiver", page)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/authorize")
    assert user_of(app, ALICE).status == "active"
