"""Helpers shared by the JSON admin API tests (/admin/api): the check that an answer is a
problem details document, the addresses of a list of accounts, and for the mailbox and
notification-address tests, the CSV media type and a snapshot of everything those could
change."""

from __future__ import annotations

from .test_mailboxes_admin import state as mailbox_state
from .test_notification_csv import state as account_state

PROBLEM = "application/problem+json"


def is_problem(response, status: int) -> dict:
    """Check ``response`` is a problem details document of ``status``; its body."""
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def emails(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [user["address"] for user in response.json["items"]]


CSV = "text/csv; charset=utf-8"


def everything(app) -> tuple:
    """Mailboxes, who may open them, accounts, pending changes, links and the audit trail."""
    return mailbox_state(app), account_state(app)
