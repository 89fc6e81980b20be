"""A personal mailbox (PER) belongs to its owner: nobody is let into it, through the service,
the JSON admin API, the web area or the command line; and a referent never acts on what
belongs to the platform's staff (an administrator's or a support agent's personal mailbox),
even in their own organisation. Only organisational and applicative mailboxes are shared."""

from __future__ import annotations

import pytest

from idp.errors import Forbidden, ValidationError
from idp.extensions import db
from idp.models import Mailbox, MailboxAccess, User

from .api_calls import everything, is_problem
from .conftest import ALICE, ORG_A, RITA
from .test_mailboxes_admin import SECRETARIAT_A, boxes, claim, run  # noqa: F401 - fixture
from .web_journey import post, shown, sign_in

ADELE = "adele.admin@chu-a.mssante.fr"  # an administrator of the platform, in organisation A
SIMON = "simon.support@chu-a.mssante.fr"  # a support agent, in organisation A


@pytest.fixture
def staff_in_a(actors, world):
    """An administrator and a support agent whose accounts sit in the referent's organisation."""
    actors.user(ADELE, name="Adèle Admin", notification_email="adele@example.org",
                organisation_code=ORG_A, role="admin")
    actors.user(SIMON, name="Simon Support", notification_email="simon@example.org",
                organisation_code=ORG_A, role="support")
    return world


def addresses(app, email: str) -> list[str]:
    return [m["address"] for m in claim(app, email)]


# --- nobody is let into a personal mailbox ---------------------------------------------------


@pytest.mark.parametrize("who", ["referent", "admin"])
def test_the_service_lets_nobody_into_a_personal_mailbox(app, boxes, who):  # noqa: F811
    before = everything(app)
    with pytest.raises(ValidationError, match="n'est ouverte que par son titulaire"):
        run(app, "grant", getattr(boxes, who), ALICE, RITA)
    assert everything(app) == before
    assert ALICE not in addresses(app, RITA)


@pytest.mark.parametrize("who", ["referent", "referent_service", "admin"])
def test_the_api_lets_nobody_into_a_personal_mailbox(app, api, tokens, who):
    before = everything(app)
    response = api.call("PUT", f"/mailboxes/{ALICE}/people/{RITA}", getattr(tokens, who))
    assert "titulaire" in is_problem(response, 422)["detail"]
    assert everything(app) == before
    assert ALICE not in addresses(app, RITA)


def test_the_command_line_lets_nobody_into_a_personal_mailbox(app, runner, world):
    before = everything(app)
    result = runner.invoke(args=["mailboxes", "grant", ALICE, RITA])
    assert result.exit_code == 1
    assert "titulaire" in result.output
    assert everything(app) == before


def test_the_web_area_offers_no_access_form_and_refuses_a_forged_one(app, client, world,
                                                                    mail_catcher):
    page, _ = sign_in(client, mail_catcher, RITA, f"/admin/boites/{ALICE}")
    assert page.status_code == 200
    assert "Donner accès" not in shown(page)
    assert "Retirer l'accès" not in shown(page)  # its owner keeps it
    assert "Enregistrer" in shown(page)  # its name and sensitivity may still change
    before = everything(app)
    response = post(client, f"/admin/boites/{ALICE}/acces", page, person=RITA)
    assert response.status_code == 400
    assert "titulaire" in shown(response)
    assert everything(app) == before
    assert ALICE not in addresses(app, RITA)


def test_someone_let_in_before_the_rule_can_be_taken_out(app, world):
    with app.app_context():  # a right granted when personal mailboxes could still be shared
        rita = db.session.scalar(db.select(User.id).where(User.email == RITA))
        box = db.session.scalar(db.select(Mailbox.id).where(Mailbox.address == ALICE))
        db.session.add(MailboxAccess(user_id=rita, mailbox_id=box))
        db.session.commit()
    assert ALICE in addresses(app, RITA)
    assert run(app, "revoke", world.referent, ALICE, RITA) is True
    assert ALICE not in addresses(app, RITA)
    assert ALICE in addresses(app, ALICE)  # the owner keeps it


# --- a referent never acts on the staff's personal mailboxes ---------------------------------


STAFF_MAILBOX_ACTIONS = [
    ("PUT", f"/mailboxes/{ADELE}/people/{ALICE}", None),
    ("DELETE", f"/mailboxes/{ADELE}/people/{ADELE}", None),
    ("PATCH", f"/mailboxes/{ADELE}", {"sensitive": True}),
    ("PATCH", f"/mailboxes/{SIMON}", {"name": "Autre nom"}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_MAILBOX_ACTIONS)
@pytest.mark.parametrize("who", ["referent", "referent_service"])
def test_a_referent_cannot_touch_the_staffs_personal_mailboxes(app, api, tokens, staff_in_a,
                                                               who, method, path, body):
    before = everything(app)
    response = api.call(method, path, getattr(tokens, who), json=body)
    is_problem(response, 403)
    assert everything(app) == before
    assert addresses(app, ALICE) == [ALICE]


def test_a_referent_still_reads_them_and_an_administrator_changes_them(app, api, tokens,
                                                                       staff_in_a):
    assert api.get(f"/mailboxes/{ADELE}", tokens.referent).json["type"] == "PER"
    response = api.patch(f"/mailboxes/{ADELE}", tokens.admin, json={"sensitive": True})
    assert response.status_code == 200, response.json
    assert response.json["sensitive"] is True


@pytest.mark.parametrize("action", ["update_mailbox", "revoke"])
def test_the_service_applies_the_same_rule(app, staff_in_a, action):
    args = {"update_mailbox": ((ADELE,), {"sensitive": True}),
            "revoke": ((ADELE, ADELE), {})}[action]
    before = everything(app)
    with pytest.raises(Forbidden):
        run(app, action, staff_in_a.referent, *args[0], **args[1])
    assert everything(app) == before


def test_the_web_area_shows_a_referent_no_form_on_them(app, client, staff_in_a, mail_catcher):
    page, _ = sign_in(client, mail_catcher, RITA, f"/admin/boites/{ADELE}")
    assert page.status_code == 200
    text = shown(page)
    assert "Adèle Admin" in text
    assert "Donner accès" not in text and "Enregistrer" not in text
    before = everything(app)
    response = post(client, f"/admin/boites/{ADELE}/modifier", page, name="Piratée",
                    sensitive="on")
    assert response.status_code == 403
    assert everything(app) == before


def test_shared_mailboxes_are_still_shared(app, api, tokens, staff_in_a):
    assert api.post("/mailboxes", tokens.referent, json={
        "address": SECRETARIAT_A, "type": "ORG", "name": "Secrétariat"}).status_code == 201
    assert api.call("PUT", f"/mailboxes/{SECRETARIAT_A}/people/{ALICE}",
                    tokens.referent).json["changed"] is True
    assert addresses(app, ALICE) == [ALICE, SECRETARIAT_A]
