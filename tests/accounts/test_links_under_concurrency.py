"""A password link or a notification-address link followed 20 times at the same moment (a
double-click, several tabs, a replayed form) works once: one password change, one new address,
the other requests told the link is no longer valid. Links e-mailed for real to the mail
catcher; the requests really race (``tests.concurrency``), on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter

from idp.accounts import password_reset
from idp.accounts.notification_email import request_change
from idp.accounts.passwords import verify_password
from idp.accounts.users import get_user
from idp.extensions import db
from idp.models import User

from ..concurrency import carrying_session_of, race
from ..helpers import as_an_edge, audit_events, csrf_token
from ..interaction.second_factor_journey import ALICE, ALICE_NOTIFICATIONS, shown

RACERS = 20
NEW_ADDRESS = "alice.perso@example.net"


def link_in(mail_catcher, path: str) -> str:
    """The path of the e-mailed link to ``path``."""
    [link] = [found.group(1) for mail in mail_catcher.messages("email")
              if (found := re.search(rf"http://localhost({re.escape(path)}\S+)", mail["text"]))]
    return link


def followed_at_once(app, client, link: str, form_of) -> list:
    """Open ``link`` once, then post its form RACERS times at once from that browser; each
    racer's fields come from ``form_of()``. The (fields, response) of each racer."""
    page = client.get(link)
    assert page.status_code == 200
    token = csrf_token(page.text)
    lock = threading.Lock()

    def post(tab):
        with lock:
            fields = form_of()
        return fields, tab.post(link, data={**fields, "csrf_token": token})

    return race(app, post, RACERS, prepare=carrying_session_of(client))


def test_a_password_link_used_20_times_at_once_changes_the_password_once(app, client, actors,
                                                                         mail_catcher):
    actors.user()
    as_an_edge(app, password_reset.request_reset, ALICE)
    link = link_in(mail_catcher, "/password/reset/")
    passwords = (f"Nouvelle phrase de passe numéro {n}" for n in itertools.count())

    def form():
        password = next(passwords)
        return {"password": password, "confirmation": password}

    results = followed_at_once(app, client, link, form)

    assert Counter(response.status_code for _, response in results) == {200: 1, 400: RACERS - 1}
    [(chosen, _)] = [(fields, r) for fields, r in results if r.status_code == 200]
    for _, refused in (result for result in results if result[1].status_code == 400):
        assert "Ce lien de changement de mot de passe n'est plus valable" in shown(refused)
    with app.app_context():
        stored = db.session.scalar(db.select(User.password_hash))
        opening = [fields["password"] for fields, _ in results
                   if verify_password(stored, fields["password"])]
    assert opening == [chosen["password"]]  # the winner's password, and only it
    assert len(audit_events(app, "password.reset_done")) == 1
    told = [m for m in mail_catcher.messages("email")
            if m["subject"] == "Votre mot de passe MSSanté a été changé"]
    assert len(told) == 1


def test_a_notification_address_link_confirmed_20_times_at_once_confirms_once(
        app, client, actors, mail_catcher):
    actors.user()
    with app.app_context():
        request_change(get_user(ALICE), NEW_ADDRESS, requested_by="operator")
        db.session.commit()
        db.session.remove()
    link = link_in(mail_catcher, "/account/notification-email/confirm/")

    results = followed_at_once(app, client, link, dict)

    assert Counter(response.status_code for _, response in results) == {200: 1, 400: RACERS - 1}
    for _, response in results:
        confirmed = response.status_code == 200
        assert ("Adresse de notification changée" in shown(response)) == confirmed
        assert ("Ce lien de confirmation n'est plus valable" in shown(response)) != confirmed
    with app.app_context():
        assert db.session.scalar(db.select(User.notification_email)) == NEW_ADDRESS
    assert len(audit_events(app, "notification_email.changed")) == 1
    told = [m for m in mail_catcher.messages("email") if m["to"] == [ALICE_NOTIFICATIONS]
            and m["subject"] == "Votre adresse de notification MSSanté a été changée"]
    assert len(told) == 1
