"""The action routes of the JSON admin API (POST /users/{address}/... and
/clients/{client_id}/...): they take no parameters, so each accepts no body or an empty object,
refuses a body with a member before acting, and the OpenAPI document says so of every one."""

from __future__ import annotations

import pytest

from .api_calls import is_problem
from .conftest import ALICE, API
from .test_api_clients import client_row
from .test_api_users import snapshot

ACCOUNT_ACTIONS = ["password-reset", "factors-reset", "unlock", "sessions-end", "disable",
                   "enable"]
CLIENT_ACTIONS = ["rotate-secret", "replace-leaked-secret", "disable", "enable"]


def test_the_document_declares_every_action_alike(api):
    document = api.get("/openapi.json").json
    paths, schemas = document["paths"], document["components"]["schemas"]
    for path in ([f"{API}/users/{{address}}/{a}" for a in ACCOUNT_ACTIONS]
                 + [f"{API}/clients/{{client_id}}/{a}" for a in CLIENT_ACTIONS]):
        assert set(paths[path]) == {"post"}, path
        action = paths[path]["post"]
        assert action["requestBody"]["required"] is False, path
        body = action["requestBody"]["content"]["application/json"]["schema"]
        body = schemas[body["$ref"].removeprefix("#/components/schemas/")]
        assert body["properties"] == {} and body["additionalProperties"] is False, path
        assert {"200", "401", "403", "404", "422"} <= set(action["responses"]), path


@pytest.mark.parametrize("action", ACCOUNT_ACTIONS)
def test_an_account_action_refuses_a_body_with_members(app, api, world, tokens, action):
    before = snapshot(app, ALICE)
    response = api.post(f"/users/{ALICE}/{action}", tokens.admin, json={"force": True})
    assert is_problem(response, 422)["detail"] == "Champ inconnu : force."
    assert snapshot(app, ALICE) == before
    assert api.post(f"/users/{ALICE}/{action}", tokens.admin, json={}).status_code == 200


@pytest.mark.parametrize("action", CLIENT_ACTIONS)
def test_a_client_action_refuses_a_body_with_members(app, api, world, tokens, action):
    client_id, _secret = api.service_client("support")
    before = client_row(app, client_id)
    response = api.post(f"/clients/{client_id}/{action}", tokens.admin, json={"all": True})
    assert is_problem(response, 422)["detail"] == "Champ inconnu : all."
    assert client_row(app, client_id) == before
    assert api.post(f"/clients/{client_id}/{action}", tokens.admin, json={}).status_code == 200
    assert api.post(f"/clients/{client_id}/{action}", tokens.admin).status_code == 200
