"""The administration's lists page by key: next and previous pages follow each other in a
stable order, the last page is one step away, a referent's pages hold their organisation's
accounts only, a search finds the start of an address or of a family name, and a position
that makes no sense is refused (4xx), never a 500."""

from __future__ import annotations

import pytest

from idp import audit
from idp.accounts.users import create_user
from idp.admin import accounts, records
from idp.admin.keyset import FIRST, Position, moment_key_text
from idp.errors import ValidationError
from idp.extensions import db

from .api_calls import emails, is_problem
from .conftest import ADA, ALICE, BOB, ORG_A, ORG_B, RITA, SAM
from .web_journey import shown, sign_in

NAMES = ["Zoe Durand", "Yves Duranton", "Xavier Petit", "Wanda Martin", "Victor Leduc"]
HOMES = [ORG_A, ORG_B, ORG_A, ORG_B, ORG_A]
NEWCOMERS = [f"{name.lower().replace(' ', '.')}@chu-{'a' if home == ORG_A else 'b'}.mssante.fr"
             for name, home in zip(NAMES, HOMES, strict=True)]


@pytest.fixture
def crowd(app, world, monkeypatch):
    """Five more accounts in the two organisations (ten in all), three accounts a page."""
    with app.app_context():
        for address, name, home in zip(NEWCOMERS, NAMES, HOMES, strict=True):
            create_user(address, name, "x@example.org", organisation_code=home)
        db.session.commit()
    monkeypatch.setattr(accounts, "PAGE_SIZE", 3)
    return sorted({ALICE, BOB, RITA, SAM, ADA, *NEWCOMERS})


def walk(app, actor, position=FIRST, **filters) -> list[list[str]]:
    """Every page from ``position`` onwards, following ``next`` (or ``previous`` when going
    backwards); the pages' addresses in list order."""
    pages = []
    with app.app_context():
        while True:
            page = accounts.list_accounts(actor, position=position, **filters)
            pages.append([user.email for user in page])
            step = page.previous if position.backwards else page.next
            if step is None:
                return pages
            position = Position(before=step) if position.backwards else Position(after=step)


def test_next_pages_and_previous_pages_hold_every_account_once_in_address_order(
        app, world, crowd):
    forwards = walk(app, world.admin)
    backwards = walk(app, world.admin, Position(last=True))
    assert [len(page) for page in forwards] == [3, 3, 3, 1]
    assert sum(forwards, []) == crowd
    assert sum(reversed(backwards), []) == crowd  # the last page first, then the ones before
    assert backwards[0] == crowd[-3:]


def test_a_page_links_to_both_neighbours_and_the_ends_link_nowhere(app, world, crowd):
    with app.app_context():
        first = accounts.list_accounts(world.admin)
        second = accounts.list_accounts(world.admin, position=Position(after=first.next))
        again = accounts.list_accounts(world.admin, position=Position(before=second.previous))
        last = accounts.list_accounts(world.admin, position=Position(last=True))
    assert first.previous is None and first.next == (crowd[2],)
    assert [u.email for u in second] == crowd[3:6] and second.previous == (crowd[3],)
    assert [u.email for u in again] == crowd[:3] and again.previous is None
    assert last.next is None and last.previous == (crowd[-3],)


def test_a_referent_pages_through_their_organisation_only(app, world, crowd):
    own = sorted(address for address in crowd if "@chu-a." in address)
    assert sum(walk(app, world.referent), []) == own
    assert sum(reversed(walk(app, world.referent, Position(last=True))), []) == own
    # An address of another organisation as a position shows nothing of it.
    after_bob = walk(app, world.referent, Position(after=(BOB,)))
    assert sum(after_bob, []) == [address for address in own if address > BOB]


def test_a_search_finds_the_start_of_an_address_or_of_a_family_name_and_pages(
        app, world, crowd):
    with app.app_context():
        def found(term):
            return [user.email for user in accounts.list_accounts(world.admin, term)]

        assert found("zoe.d") == [NEWCOMERS[0]]
        assert found("Duran") == sorted([BOB, NEWCOMERS[0], NEWCOMERS[1]])
        assert found("leduc") == [NEWCOMERS[4]]
    assert walk(app, world.admin, search="duran") == [sorted([BOB, *NEWCOMERS[:2]])]
    in_hospitals = [address for address in crowd if "@chu-" in address]
    assert sum(walk(app, world.admin, search="@chu-"), []) == in_hospitals


def test_two_positions_at_once_are_refused(app, world):
    with pytest.raises(ValidationError):
        Position(after=(ALICE,), last=True)


def test_the_journal_pages_by_moment_and_id_newest_first(app, world, monkeypatch):
    with app.app_context():
        for number in range(7):
            audit.record("test.paged", number=number)
        db.session.commit()
    monkeypatch.setattr(records, "PAGE_SIZE", 3)
    with app.app_context():
        seen, position = [], FIRST
        while True:
            page = records.audit_trail(world.support, event="test.", position=position)
            seen.append([event.detail["number"] for event in page])
            if page.next is None:
                break
            position = Position(after=page.next)
        last = records.audit_trail(world.support, event="test.", position=Position(last=True))
    assert seen == [[6, 5, 4], [3, 2, 1], [0]]
    assert [event.detail["number"] for event in last] == [2, 1, 0]


# --- the JSON API -----------------------------------------------------------------------------

def test_the_api_answers_the_keys_of_the_neighbouring_pages(api, world, tokens, crowd):
    first = api.get("/users", tokens.admin)
    assert emails(first) == crowd[:3] and first.json["previous_before"] is None
    second = api.get("/users", tokens.admin, query_string={"after": first.json["next_after"]})
    assert emails(second) == crowd[3:6]
    back = api.get("/users", tokens.admin,
                   query_string={"before": second.json["previous_before"]})
    assert emails(back) == crowd[:3]
    last = api.get("/users", tokens.admin, query_string={"last": "true"})
    assert emails(last) == crowd[-3:] and last.json["next_after"] is None
    mine = api.get("/users", tokens.referent, query_string={"last": "true"})
    assert emails(mine) == sorted(a for a in crowd if "@chu-a." in a)[-3:]


@pytest.mark.parametrize("query", [
    {"after": ALICE, "before": BOB}, {"after": ALICE, "last": "true"}, {"last": "yes"},
    {"after": "x" * 2000},
])
def test_the_api_refuses_a_position_that_makes_no_sense(api, world, tokens, query):
    response = api.get("/users", tokens.admin, query_string=query)
    assert 400 <= response.status_code < 500
    is_problem(response, response.status_code)


@pytest.mark.parametrize("after", ["yesterday", "20261399T000000000000-1", "1-2-3",
                                   "20260101T000000000000-" + "9" * 30])
def test_a_malformed_journal_position_is_refused(api, world, tokens, after):
    for path in ("/audit", "/deliveries"):
        response = api.get(path, tokens.support, query_string={"after": after})
        assert 400 <= response.status_code < 500, response.json
        is_problem(response, response.status_code)


def test_the_journal_position_travels_in_the_api(app, api, world, tokens):
    with app.app_context():
        for number in range(3):
            audit.record("test.paged", number=number)
        db.session.commit()
    page = api.get("/audit", tokens.support, query_string={"event": "test."}).json
    assert [item["detail"]["number"] for item in page["items"]] == [2, 1, 0]
    assert page["next_after"] is None and page["previous_before"] is None
    with app.app_context():
        middle = records.audit_trail(world.support, event="test.").items[1]
        key = moment_key_text((middle.at, middle.id))
    after = api.get("/audit", tokens.support, query_string={"event": "test.", "after": key})
    assert [item["detail"]["number"] for item in after.json["items"]] == [0]


# --- the web area -----------------------------------------------------------------------------

def test_the_web_list_links_to_the_next_previous_first_and_last_pages(client, world,
                                                                      mail_catcher, crowd):
    sign_in(client, mail_catcher, SAM)
    first = client.get("/admin/comptes")
    assert "Page suivante" in shown(first) and "Dernière page" in shown(first)
    assert "Page précédente" not in shown(first)
    last = client.get("/admin/comptes?last=1")
    assert crowd[-1] in last.text and crowd[0] not in last.text
    assert "Page précédente" in shown(last) and "Première page" in shown(last)
    assert "Page suivante" not in shown(last)
    following = client.get(f"/admin/comptes?after={crowd[2]}")
    assert crowd[3] in following.text and crowd[2] not in following.text.split("<table")[-1]


@pytest.mark.parametrize("path", ["/admin/comptes?after=a&before=b",
                                  "/admin/journal?after=yesterday",
                                  "/admin/envois?before=20261399T000000000000-1"])
def test_the_web_area_refuses_a_position_that_makes_no_sense(client, world, mail_catcher, path):
    sign_in(client, mail_catcher, SAM)
    assert client.get(path).status_code == 400
