"""The records in the administration's web area: the journal (/admin/journal), filtered by
person, event and period (days in the service's time zone) and leaving out other
organisations for a referent, and the deliveries (/admin/envois), where support sees
whether and where a code went."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from idp.admin import accounts
from idp.admin.web import access
from idp.extensions import db

from .conftest import ALICE, BOB, RITA, SAM
from .web_journey import (
    account_url,
    post,
    shown,
    sign_in,
)


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
        db.session.commit()
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
