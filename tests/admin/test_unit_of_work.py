"""One unit of work per request and per command: a change refused at its last step leaves
nothing of its earlier steps, whichever edge carried it (the JSON API's composite PATCH, a
command of the ``idp`` console)."""

from __future__ import annotations

from .api_calls import is_problem
from .conftest import ALICE
from .test_api_users import snapshot


def test_a_patch_refused_on_its_last_field_leaves_nothing_changed(app, api, world, tokens,
                                                                  mail_catcher):
    """The national identifier is linked first and the notification address comes last: the
    address is refused (it is the MSSanté address itself), so neither the link nor the new name
    may remain, and no mail leaves."""
    before = snapshot(app, ALICE)
    response = api.patch(f"/users/{ALICE}", tokens.admin, json={
        "psc_national_id": "810001234567", "name": "Alice Nouvelle", "phone": "+33699887766",
        "notification_email": ALICE})
    assert "différente" in is_problem(response, 422)["detail"]
    assert snapshot(app, ALICE) == before
    assert mail_catcher.messages() == []
