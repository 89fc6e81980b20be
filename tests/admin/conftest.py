"""Two organisations and the people of the administration: a referent of the first, a support
agent, an administrator, and one ordinary account in each organisation; and for the JSON admin
API, tokens got the way programs get them (``api``, ``tokens``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from idp.accounts.organisations import create_organisation
from idp.admin.actors import Actor, actor_for_user
from idp.extensions import db
from idp.models import User
from idp.oidc.clients import ADMIN_SCOPE

from ..interaction.second_factor_journey import (
    code_page,
    finish,
    latest_code,
    password_step,
    start,
    type_code,
)

# The helper modules shared by the tests here keep pytest's detailed assertion messages.
pytest.register_assert_rewrite("tests.admin.api_calls", "tests.admin.client_commands",
                               "tests.admin.web_journey")

ORG_A, ORG_B = "750000001", "750000002"
ALICE = "alice.martin@chu-a.mssante.fr"  # user, organisation A
BOB = "bob.durand@chu-b.mssante.fr"  # user, organisation B
RITA = "rita.referente@chu-a.mssante.fr"  # referent of A
SAM = "sam.support@mssante.fr"  # support
ADA = "ada.admin@mssante.fr"  # administrator
API = "/admin/api"


@dataclass
class World:
    """The actors of a test, by role."""

    referent: Actor
    support: Actor
    admin: Actor


@pytest.fixture
def world(app, actors) -> World:
    with app.app_context():
        create_organisation(ORG_A, "CHU A")
        create_organisation(ORG_B, "CHU B")
        db.session.commit()
    actors.user(ALICE, name="Alice Martin", notification_email="alice@example.org",
                organisation_code=ORG_A, phone="+33611223344")
    actors.user(BOB, name="Bob Durand", notification_email="bob@example.org",
                organisation_code=ORG_B)
    actors.user(RITA, name="Rita Référente", notification_email="rita@example.org",
                organisation_code=ORG_A, role="referent")
    actors.user(SAM, name="Sam Support", notification_email="sam@example.org", role="support")
    actors.user(ADA, name="Ada Admin", notification_email="ada@example.org", role="admin")
    with app.app_context():
        def actor(email):
            return actor_for_user(db.session.scalar(db.select(User).where(User.email == email)))
        world = World(actor(RITA), actor(SAM), actor(ADA))
        db.session.commit()
        db.session.remove()
    return world


class Api:
    """Tokens for the admin API, got the way a program gets them, and calls with them."""

    def __init__(self, app, client, runner, actors, mail_catcher=None):
        self.app, self.client, self.runner, self.actors = app, client, runner, actors
        self.mail_catcher = mail_catcher
        self.admin_tool = None

    def service_client(self, role: str, org: str | None = None, scope: str = ADMIN_SCOPE):
        """Register a client_credentials client with ``idp clients create``: its credentials."""
        args = ["clients", "create", "--name", f"Outil {role}", "--grant-type",
                "client_credentials", "--scope", scope, "--json"]
        if role:
            args += ["--admin-role", role]
        if org:
            args += ["--org", org]
        result = self.runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        credentials = json.loads(result.output)
        return credentials["client_id"], credentials["client_secret"]

    def service_token(self, role: str, org: str | None = None, scope: str = ADMIN_SCOPE) -> str:
        """An access token of a service client of ``role``, from the token endpoint."""
        client_id, secret = self.service_client(role, org, scope)
        return self.client_token(client_id, secret, scope)

    def client_token(self, client_id: str, secret: str, scope: str = ADMIN_SCOPE) -> str:
        response = self.client.post("/token", data={"grant_type": "client_credentials",
                                                    "scope": scope}, auth=(client_id, secret))
        assert response.status_code == 200, response.json
        assert response.json["scope"] == scope
        return response.json["access_token"]

    def person_token(self, email: str, scope: str = f"openid {ADMIN_SCOPE}") -> str:
        """A person's access token from the code flow, through a first-party admin tool that
        asks for two factors (password, then a code by e-mail)."""
        if self.admin_tool is None:
            self.admin_tool = self.actors.rp(
                name="Console d'administration", min_acr="mfa",
                scope=f"openid profile email {ADMIN_SCOPE}")
        return self.code_flow_token(self.admin_tool, email, scope)

    def code_flow_token(self, rp, email: str, scope: str, factor: str | None = "email",
                        **params) -> str:
        """Sign ``email`` in at ``rp`` (with a code by e-mail unless ``factor`` is None; more
        authorization ``params`` if given) and redeem the code: the access token."""
        browser = self.app.test_client()
        page, verifier = start(browser, self.actors, rp, scope=scope, **params)
        response = password_step(browser, page, factor or "email", username=email)
        if factor is not None:
            screen = code_page(browser, response)
            response = type_code(browser, screen, latest_code(self.mail_catcher))
        query = finish(browser, response, rp)
        tokens = self.actors.redeem(browser, rp, query["code"], verifier)
        assert tokens.status_code == 200, tokens.json
        assert set(tokens.json["scope"].split()) == set(scope.split())
        return tokens.json["access_token"]

    def call(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.call("POST", path, token, **kwargs)

    def patch(self, path, token=None, **kwargs):
        return self.call("PATCH", path, token, **kwargs)


@pytest.fixture
def api(app, client, runner, actors, mail_catcher) -> Api:
    return Api(app, client, runner, actors, mail_catcher)


@pytest.fixture
def tokens(api, world, mail_catcher):
    """One token per actor: people through the code flow, service clients through
    client_credentials. The tests start with an empty mail catcher all the same."""

    class Tokens:
        admin = api.service_token("admin")
        referent = api.person_token(RITA)
        support = api.person_token(SAM)
        referent_service = api.service_token("referent", ORG_A)

    mail_catcher.clear()
    return Tokens
