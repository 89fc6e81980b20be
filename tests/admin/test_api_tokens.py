"""The JSON admin API (/admin/api) and its tokens: service clients get theirs from the token
endpoint (client_credentials), people from the code flow; a missing, unknown, revoked or
under-scoped token is refused with a bearer challenge; every error is a problem details
document; the OpenAPI document lists exactly the routes served and matches the answers."""

from __future__ import annotations

import json
import re

from idp.extensions import db
from idp.models import Client
from idp.oidc.clients import ADMIN_SCOPE

from .api_calls import is_problem
from .conftest import ALICE, API, RITA, Api
from .test_api_clients import client_count

# --- Tokens -------------------------------------------------------------------------------


def test_the_token_endpoint_grants_the_admin_scope(app, client, runner, actors):
    """A service client registered with the admin scope gets it at the token endpoint."""
    api = Api(app, client, runner, actors)
    assert api.service_token("admin")


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(api, world):
    response = api.get("/users")
    body = is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "admin" in body["detail"]
    for header in ("Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer", "Bearer ", "Bearer a b"):
        response = api.get("/users", headers={"Authorization": header})
        is_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_revoked_token_is_401_invalid_token(api, world):
    response = api.get("/users", "not-a-token")
    assert is_problem(response, 401)["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    client_id, secret = api.service_client("admin")
    token = api.client_token(client_id, secret)
    api.client.post("/revoke", data={"token": token}, auth=(client_id, secret))
    assert is_problem(api.get("/users", token), 401)["error"] == "invalid_token"


def test_a_token_without_the_admin_scope_is_403_insufficient_scope(api, world):
    token = api.service_token("", scope="openid")
    response = api.get("/users", token)
    assert is_problem(response, 403)["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="admin"' in response.headers["WWW-Authenticate"]
    # A referent's ordinary sign-in token (the webmail's) does not open the API either.
    person = api.person_token(RITA, scope="openid profile")
    assert is_problem(api.get("/users", person), 403)["error"] == "insufficient_scope"


def test_a_person_without_an_admin_role_is_refused_even_with_the_scope(api, world):
    token = api.person_token(ALICE)
    body = is_problem(api.get("/users", token), 403)
    assert "droit d'administration" in body["detail"]


def test_a_disabled_person_token_stops_working(api, world, tokens):
    assert api.get("/users", tokens.referent).status_code == 200
    assert api.post(f"/users/{RITA}/disable", tokens.admin).status_code == 200
    is_problem(api.get("/users", tokens.referent), 401)


# --- Problems, routes, the OpenAPI document -----------------------------------------------


def test_unknown_routes_and_methods_are_problems_inside_the_api_only(api, world, tokens):
    is_problem(api.get("/nothing-here", tokens.admin), 404)
    is_problem(api.get("/nothing-here"), 404)  # routing comes before the token check
    response = api.call("DELETE", f"/users/{ALICE}", tokens.admin)
    is_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "PATCH"}
    assert api.client.get("/nothing-here").mimetype == "text/html"  # the rest keeps its pages


def test_answers_are_not_cached(api, world, tokens):
    response = api.get(f"/users/{ALICE}", tokens.admin)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_openapi_document_lists_exactly_the_routes_served(app, api):
    response = api.get("/openapi.json")  # no token needed
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["openapi"].startswith("3.1")
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item}
    assert documented == served


def test_the_openapi_document_is_complete_and_consistent(api):
    document = api.get("/openapi.json").json
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": [ADMIN_SCOPE]}]

    def resolve(ref: str):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                assert resolve(node["$ref"]) is not None
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (path, method)
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)
            if method in ("post", "patch"):
                assert "requestBody" in operation, (path, method)
                assert "422" in operation["responses"]
            if path != f"{API}/openapi.json":
                assert {"401", "403"} <= set(operation["responses"]), (path, method)


def test_the_documented_schemas_match_the_answers(app, api, world, tokens, mail_catcher):
    schemas = api.get("/openapi.json").json["components"]["schemas"]

    def keys(name):
        return set(schemas[name]["properties"])

    assert set(api.get(f"/users/{ALICE}", tokens.admin).json) == keys("User")
    api.post(f"/users/{ALICE}/password-reset", tokens.admin)
    assert set(api.get("/audit", tokens.admin).json["items"][0]) == keys("AuditEvent")
    assert set(api.get("/deliveries", tokens.admin).json["items"][0]) == keys("Delivery")
    created = api.post("/clients", tokens.admin, json={
        "name": "Webmail", "redirect_uris": ["https://webmail.example.org/cb"]}).json
    assert set(created) == keys("Client") | {"client_secret"}
    assert set(api.get(f"/clients/{created['client_id']}", tokens.admin).json) == keys("Client")
    rotated = api.post(f"/clients/{created['client_id']}/rotate-secret", tokens.admin).json
    assert set(rotated) == keys("NewSecret")
    assert set(api.post(f"/users/{ALICE}/sessions-end", tokens.admin).json) == keys(
        "SessionsEnded")


# --- A person's token needs two factors -----------------------------------------------------


def test_a_persons_password_only_token_gets_a_step_up_challenge(app, api, world):
    tool = api.actors.rp(name="Ancienne console", min_acr="mfa",
                         scope=f"openid {ADMIN_SCOPE}")
    with app.app_context():  # registered before the rule: a password suffices for it
        db.session.execute(db.update(Client).where(Client.client_id == tool.client_id)
                           .values(min_acr="pwd"))
        db.session.commit()
    token = api.code_flow_token(tool, RITA, f"openid {ADMIN_SCOPE}", factor=None)
    response = api.get("/users", token)
    assert is_problem(response, 401)["error"] == "insufficient_user_authentication"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_user_authentication"' in challenge
    assert 'acr_values="mfa"' in challenge
    with_two_factors = api.code_flow_token(tool, RITA, f"openid {ADMIN_SCOPE}",
                                           acr_values="mfa")
    assert api.get("/users", with_two_factors).status_code == 200


def test_no_client_that_may_ask_for_the_admin_scope_goes_below_two_factors(app, api, world,
                                                                           tokens):
    refused = "exige deux facteurs"
    result = api.runner.invoke(args=[
        "clients", "create", "--name", "Console", "--redirect-uri", "https://console.example/cb",
        "--acr", "pwd", "--scope", f"openid {ADMIN_SCOPE}"])
    assert result.exit_code == 1 and refused in result.output
    before = client_count(app)
    body = {"name": "Console", "redirect_uris": ["https://console.example/cb"],
            "min_acr": "pwd", "scope": f"openid {ADMIN_SCOPE}"}
    assert refused in is_problem(api.post("/clients", tokens.admin, json=body), 422)["detail"]
    assert client_count(app) == before
    created = api.post("/clients", tokens.admin, json={**body, "min_acr": "mfa"})
    assert created.status_code == 201, created.json
    client_id = created.json["client_id"]
    response = api.patch(f"/clients/{client_id}", tokens.admin, json={"min_acr": "pwd"})
    assert refused in is_problem(response, 422)["detail"]
    assert api.get(f"/clients/{client_id}", tokens.admin).json["min_acr"] == "mfa"
