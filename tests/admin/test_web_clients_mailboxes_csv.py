"""Clients, mailboxes and notification e-mails in bulk in the administration's web area: an
administrator registers a client and sees its secret once, the referent creates a mailbox
and lets someone open it, and a CSV of notification e-mails is checked first then applied
(one line about another organisation rejects the whole file; support exports only)."""

from __future__ import annotations

import io
import re

from idp.extensions import db
from idp.models import (
    Mailbox,
    NotificationEmailChange,
    User,
)

from ..helpers import audit_events, csrf_token
from .conftest import ADA, ALICE, BOB, ORG_A, RITA, SAM
from .web_journey import (
    follow,
    post,
    shown,
    sign_in,
    state,
    user_of,
)

# -- administrators: clients -----------------------------------------------------------------

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
    assert "Nouveau secret" in shown(rotated) and "reste accepté jusqu'au" in shown(rotated)
    leaked = post(client, f"/admin/applications/{client_id}/secret-divulgue", detail)
    assert "L'ancien secret est refusé dès maintenant" in shown(leaked)
    assert "reste accepté" not in shown(leaked)
    assert [e.detail["leaked"] for e in audit_events(app, "client.secret_rotated")
            if "leaked" in e.detail] == [True]
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
