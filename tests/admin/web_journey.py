"""Helpers shared by the tests of the administration's web area (/admin): signing in through
the provider (password and e-mailed code), posting a form with its CSRF token, reading an
account's state, and the actions of the account page with what each needs beforehand."""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from idp.accounts import lockout
from idp.accounts.federated_identities import PSC, link_identity
from idp.admin import accounts
from idp.extensions import db
from idp.models import AuditEvent, NotificationEmailChange, PasswordResetToken, User

from ..helpers import csrf_token
from ..interaction.second_factor_journey import code_page, latest_code, password_step, type_code


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
        db.session.commit()
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
        for _ in range(app.config["LOCKOUT_FREE_FAILURES"] + 1):
            lockout.record_failure(lockout.password_allowance(address, user_id))
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
        db.session.commit()
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
