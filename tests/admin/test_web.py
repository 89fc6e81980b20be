"""The administration's web area (/admin) through a browser: signed in by the provider itself
(password and e-mailed code), the referent manages the accounts of their organisation and
nothing else, support reads without a single button, and every action is a POST with its CSRF
token that ends in the audit trail under the name of the person who acted."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from idp.account import gate
from idp.accounts import lockout
from idp.accounts.federated_identities import PSC, link_identity
from idp.admin import accounts
from idp.admin.web import access
from idp.extensions import db
from idp.models import (
    AuditEvent,
    Client,
    Mailbox,
    NotificationEmailChange,
    PasswordResetToken,
    User,
)

from ..helpers import audit_events, csrf_token
from ..interaction.second_factor_journey import code_page, latest_code, password_step, type_code
from .conftest import ADA, ALICE, BOB, ORG_A, RITA, SAM


def follow(browser, response):
    """Follow redirects inside the provider; returns the last response and the path it came
    from (with its query)."""
    path = None
    while response.status_code == 302:
        path = response.headers["Location"]
        response = browser.get(path)
    return response, path


def sign_in(browser, mail_catcher, username: str, path: str = "/admin/comptes"):
    """Open ``path`` without a session and sign in as ``username`` by password and e-mailed
    code; returns the page the browser ends on and its path."""
    response = browser.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/authorize"
    response = browser.get(response.headers["Location"])
    page = browser.get(response.headers["Location"])
    screen = code_page(browser, password_step(browser, page, "email", username=username))
    return follow(browser, type_code(browser, screen, latest_code(mail_catcher)))


def shown(response) -> str:
    return html.unescape(response.text)


def account_url(address: str) -> str:
    return f"/admin/comptes/{address}"


def post(browser, action: str, page=None, **fields):
    """Submit ``action`` with the CSRF token of ``page`` (the token belongs to the browser's
    session: a page with any form will do; the account page has some for everyone)."""
    page = page if page is not None and "csrf_token" in page.text else browser.get("/account")
    return browser.post(action, data={"csrf_token": csrf_token(page.text), **fields})


def state(app, address: str) -> tuple:
    """Everything an action could change about an account, and what it could leave behind."""
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == address))
        described = accounts.describe(user)
        counts = tuple(db.session.scalar(db.select(db.func.count(model.id))) for model in (
            AuditEvent, PasswordResetToken, NotificationEmailChange))
        db.session.remove()
    return described, counts


def user_of(app, address: str) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == address))
        db.session.expunge(user)
        return user


def lock(app, address: str) -> None:
    """Enough wrong passwords for a growing delay."""
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.email == address))
        for _ in range(5):
            lockout.record_failure(user_id, lockout.PASSWORD)
        db.session.commit()
        db.session.remove()


def link_psc(app, address: str) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == address))
        link_identity(user, PSC, "810009999999", linked_by="test")
        db.session.commit()
        db.session.remove()


def disable(app, world, address: str) -> None:
    with app.app_context():
        accounts.set_enabled(world.admin, address, False)
        db.session.remove()


# Each action of the account page: (path after the address, fields, what to prepare, audit
# event, check of the account afterwards).
ACTIONS = {
    "modifier": ("/modifier", {"name": "Alice Dupont", "phone": "+33699887766"}, None,
                 "admin.account_updated",
                 lambda u: (u.family_name, u.phone) == ("Dupont", "+33699887766")),
    "desactiver": ("/desactiver", {}, None, "admin.account_disabled",
                   lambda u: u.status == "disabled"),
    "activer": ("/activer", {}, disable, "admin.account_enabled",
                lambda u: u.status == "active"),
    "debloquer": ("/debloquer", {}, lambda app, _w, a: lock(app, a), "admin.account_unlocked",
                  None),
    "reinitialiser-mot-de-passe": ("/reinitialiser-mot-de-passe", {}, None,
                                   "admin.password_reset_sent", None),
    "reinitialiser-facteurs": ("/reinitialiser-facteurs", {}, None, "admin.factors_reset", None),
    "terminer-sessions": ("/terminer-sessions", {}, None, "admin.sessions_ended", None),
    "psc": ("/psc", {"national_id": "810001234567"}, None, "federation.linked", None),
    "retirer-psc": ("/retirer-psc", {}, lambda app, _w, a: link_psc(app, a),
                    "federation.unlinked", None),
    "email-notification": ("/email-notification", {"notification_email": "alice.new@example.org"},
                           None, "notification_email.change_requested", None),
}


def _by(event: AuditEvent) -> str | None:
    detail = event.detail or {}
    return detail.get("by") or detail.get("linked_by") or detail.get("unlinked_by") or detail.get(
        "requested_by")


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


def test_support_sees_whether_and_where_a_code_went(client, world, mail_catcher):
    sign_in(client, mail_catcher, SAM)
    page = client.get(f"/admin/envois?person={SAM}")
    assert page.status_code == 200
    assert "s***@example.org" in page.text and "sam@example.org" not in page.text
    assert "Envoyé" in shown(page) or "Accepté" in shown(page)
    assert "s***@example.org" in client.get("/admin/envois").text


def test_support_sees_the_last_code_on_the_account_page(client, world, mail_catcher):
    sign_in(client, mail_catcher, SAM)
    page = shown(client.get(account_url(SAM)))
    assert "Dernier code envoyé à cette adresse" in page


# -- the journal ------------------------------------------------------------------------------

def _events(page) -> list[str]:
    return re.findall(r"<code>([a-z_]+\.[a-z_]+)</code>", page.text)


def test_the_journal_filters_by_person_event_and_period(client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    post(client, account_url(ALICE) + "/debloquer")

    mine = _events(client.get(f"/admin/journal?person={RITA}"))
    assert "login.password_ok" in mine and "admin.account_unlocked" not in mine
    alice = _events(client.get(f"/admin/journal?person={ALICE}"))
    assert "admin.account_unlocked" in alice and "login.password_ok" not in alice

    admin_only = _events(client.get("/admin/journal?event=admin."))
    assert admin_only and all(name.startswith("admin.") for name in admin_only)
    assert _events(client.get("/admin/journal?event=login.code")) == ["login.code_ok"]

    today = datetime.now(ZoneInfo(client.application.config["TIMEZONE"])).date()  # as typed
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    assert "admin.account_unlocked" in _events(
        client.get(f"/admin/journal?since={yesterday}&until={tomorrow}"))
    assert _events(client.get(f"/admin/journal?since={tomorrow}")) == []
    assert _events(client.get(f"/admin/journal?until={yesterday}")) == []


def test_a_day_typed_in_a_filter_is_a_day_in_paris(app):
    """The filters' days are the days people live (TIMEZONE), stored times are UTC."""
    with app.test_request_context():
        assert access.day("2026-01-15") == datetime(2026, 1, 14, 23, 0)
        assert access.day("2026-07-15", end=True).isoformat() == "2026-07-15T21:59:59.999999"


def test_the_journal_of_a_referent_leaves_out_other_organisations(app, client, world,
                                                                  mail_catcher):
    with app.app_context():
        accounts.unlock(world.admin, BOB)
        db.session.remove()
    sign_in(client, mail_catcher, RITA)
    assert "admin.account_unlocked" not in _events(client.get("/admin/journal"))
    refused = client.get(f"/admin/journal?person={BOB}")
    assert refused.status_code == 404 and "n'existe pas" in shown(refused)


@pytest.mark.parametrize(("query", "message"), [
    ("since=31/12/2024", "Date invalide"),
    ("since=2025-02-01&until=2025-01-01", "La date de début doit précéder la date de fin"),
])
def test_a_filter_that_cannot_be_used_says_why(client, world, mail_catcher, query, message):
    sign_in(client, mail_catcher, SAM)
    page = client.get(f"/admin/journal?{query}")
    assert page.status_code == 400 and message in shown(page)


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
        db.session.remove()
    response = post(client, account_url(ALICE) + "/desactiver", page)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == (
        "/authorize")
    assert user_of(app, ALICE).status == "active"


# -- administrators: clients, roles ---------------------------------------------------------

def test_an_administrator_registers_a_client_and_sees_its_secret_once(app, client, world,
                                                                      mail_catcher):
    sign_in(client, mail_catcher, ADA)
    form = client.get("/admin/applications/nouvelle")
    page = post(client, "/admin/applications/nouvelle", form, name="Webmail de test",
                grant_type="authorization_code", auth_method="client_secret_basic",
                scope="openid profile email", redirect_uris="https://rp.example.org/cb\n",
                min_acr="mfa")
    assert page.status_code == 200, shown(page)[:2000]
    assert "il ne sera plus jamais affiché" in shown(page)
    assert page.headers["Cache-Control"] == "no-store"
    client_id = re.search(r'<code class="secret">([^<]+)</code>', page.text).group(1)
    assert "Webmail de test" in client.get("/admin/applications").text
    detail = client.get(f"/admin/applications/{client_id}")
    assert "https://rp.example.org/cb" in detail.text
    rotated = post(client, f"/admin/applications/{client_id}/secret", detail)
    assert "Nouveau secret" in shown(rotated)
    done, _ = follow(client, post(client, f"/admin/applications/{client_id}/desactiver", detail))
    assert "Désactivée" in shown(done)
    assert [e.detail["by"] for e in audit_events(app, "client.disabled")] == [ADA]
    bad = post(client, f"/admin/applications/{client_id}/modifier", detail, name="X",
               redirect_uris="http://rp.example.org/cb", min_acr="mfa")
    assert bad.status_code == 400 and "https obligatoire" in shown(bad)


def test_clients_are_for_administrators_only(client, world, mail_catcher):
    page, _ = sign_in(client, mail_catcher, RITA)
    assert "/admin/applications" not in page.text
    assert client.get("/admin/applications").status_code == 403
    assert post(client, "/admin/applications/nouvelle", name="X").status_code == 403


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


# -- mailboxes --------------------------------------------------------------------------------

def test_the_referent_creates_a_mailbox_and_lets_someone_open_it(app, client, world,
                                                               mail_catcher):
    sign_in(client, mail_catcher, RITA)
    form = client.get("/admin/boites/nouvelle")
    done, _ = follow(client, post(client, "/admin/boites/nouvelle", form,
                                  address="secretariat@chu-a.mssante.fr", name="Secrétariat",
                                  type="ORG", organisation=ORG_A))
    assert "La boîte secretariat@chu-a.mssante.fr est créée" in shown(done)
    box = "/admin/boites/secretariat@chu-a.mssante.fr"
    granted, _ = follow(client, post(client, box + "/acces", done, person=ALICE))
    assert f"{ALICE} peut ouvrir cette boîte" in shown(granted)
    assert post(client, box + "/acces", done, person=BOB).status_code == 404
    revoked, _ = follow(client, post(client, box + "/retirer", done, person=ALICE))
    assert f"{ALICE} ne peut plus ouvrir cette boîte" in shown(revoked)
    follow(client, post(client, box + "/supprimer", done))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Mailbox.id)).where(
            Mailbox.address == "secretariat@chu-a.mssante.fr")) == 0


# -- notification e-mails in bulk (CSV) -----------------------------------------------------

def upload(browser, text: str, page=None):
    page = page if page is not None else browser.get("/admin/emails-notification")
    return browser.post("/admin/emails-notification/import", data={
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO(text.encode("utf-8")), "comptes.csv")},
        content_type="multipart/form-data")


def test_a_csv_file_is_checked_first_then_applied(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    before = state(app, ALICE)
    text = ("adresse_mssante;email_notification;nom\n"
            f"{ALICE};alice.new@example.org;\n"
            "chloe.petit@chu-a.mssante.fr;chloe@example.org;Chloé Petit\n")
    report = upload(client, text)
    assert report.status_code == 200
    assert "Simulation" in shown(report) and "Rien n'a été écrit" in shown(report)
    assert state(app, ALICE) == before
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email.like("chloe%"))) is None
    content = re.search(r'name="content" value="([^"]+)"', report.text).group(1)
    applied = client.post("/admin/emails-notification/import", data={
        "csrf_token": csrf_token(report.text), "content": content, "apply": "1"})
    assert applied.status_code == 200 and "Import appliqué" in shown(applied)
    assert user_of(app, "chloe.petit@chu-a.mssante.fr").notification_email == "chloe@example.org"
    with app.app_context():
        change = db.session.scalar(db.select(NotificationEmailChange))
        assert (change.new_address, change.requested_by) == ("alice.new@example.org", RITA)
    [event] = audit_events(app, "admin.notification_emails_imported")
    assert event.detail["by"] == RITA


def test_a_csv_line_about_another_organisation_rejects_the_whole_file(app, client, world,
                                                                     mail_catcher):
    sign_in(client, mail_catcher, RITA)
    before = state(app, ALICE)
    report = upload(client, "adresse_mssante;email_notification\n"
                            f"{ALICE};alice.new@example.org\n{BOB};bob.new@example.org\n")
    assert "Import refusé" in shown(report) and "Appliquer" not in shown(report).split("</h1>")[1]
    assert state(app, ALICE) == before


def test_a_csv_import_without_a_readable_file_says_why(client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    page = client.get("/admin/emails-notification")
    empty = client.post("/admin/emails-notification/import",
                        data={"csrf_token": csrf_token(page.text)})
    assert empty.status_code == 400 and "Choisissez un fichier CSV" in shown(empty)
    bad = upload(client, "nom;prenom\nx;y\n", page)
    assert bad.status_code == 400 and "La première ligne doit nommer les colonnes" in shown(bad)


def test_the_export_lists_the_accounts_the_person_may_see(client, world, mail_catcher):
    sign_in(client, mail_catcher, RITA)
    response = client.get("/admin/emails-notification/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffadresse_mssante;email_notification")
    assert f"{ALICE};alice@example.org" in text and BOB not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_support_exports_but_does_not_import(app, client, world, mail_catcher):
    sign_in(client, mail_catcher, SAM)
    page = client.get("/admin/emails-notification")
    assert 'method="post"' not in page.text
    assert BOB in client.get("/admin/emails-notification/export.csv").get_data(as_text=True)
    before = state(app, ALICE)
    refused = upload(client, f"adresse_mssante;email_notification\n{ALICE};a2@example.org\n",
                     client.get("/account"))
    assert refused.status_code == 403
    assert state(app, ALICE) == before
