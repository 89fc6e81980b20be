"""Logging out of a session that came from Pro Santé Connect ends the PSC session too (its
end-session endpoint, with the ID token it gave and our registered post-logout URI); a session
that merely expires does not."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from idp.extensions import db
from idp.federation import metadata
from idp.models import SsoSession
from idp.models.base import utcnow

from ..helpers import csrf_token
from ..interaction.second_factor_journey import finish
from .conftest import CALLBACK, LOGGED_OUT, psc_sign_in, to_upstream
from .psc_upstream import confirm_upstream_logout, passes_without_login

pytestmark = pytest.mark.slow
BYE = "https://rp.example.org/bye"


@pytest.fixture
def rp(actors):
    return actors.rp(min_acr="mfa")


@pytest.fixture
def signed_in(client, browser, actors, rp, psc, alice_linked):
    """Alice signed in through Pro Santé Connect; her ID token from the provider."""
    answer, verifier = psc_sign_in(client, browser, actors, rp)
    query = finish(client, answer, rp)
    return actors.redeem(client, rp, query["code"], verifier).json["id_token"]


def leaving_target(page) -> str:
    """The upstream end-session URL of the "leaving" page (meta refresh and link alike)."""
    assert page.status_code == 200, page.text[:300]
    refresh = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page.text).group(1)
    link = re.search(r'class="button" href="([^"]+)"', page.text).group(1)
    assert html.unescape(refresh) == html.unescape(link)
    return html.unescape(refresh)


def upstream_session_alive(client, browser, actors, rp) -> bool:
    url, _, _ = to_upstream(client, actors, rp)
    return passes_without_login(browser, url, CALLBACK)


def test_logging_out_ends_the_pro_sante_connect_session_too(app, client, browser, actors, rp,
                                                            psc, signed_in):
    page = client.get("/logout", query_string={"id_token_hint": signed_in,
                                               "post_logout_redirect_uri": BYE, "state": "s1"})

    target = leaving_target(page)
    query = parse_qs(urlsplit(target).query)
    assert target.startswith(psc.metadata()["end_session_endpoint"])
    assert query["post_logout_redirect_uri"] == [LOGGED_OUT]
    assert query["id_token_hint"][0].count(".") == 2 and query["state"][0]
    back = confirm_upstream_logout(browser, target, LOGGED_OUT)
    parts = urlsplit(back)
    final = client.get(f"{parts.path}?{parts.query}")
    assert final.status_code == 302 and final.headers["Location"] == f"{BYE}?state=s1"
    with app.app_context():
        assert db.session.scalar(db.select(SsoSession.ended_at)) is not None
    assert not upstream_session_alive(client, browser, actors, rp)


def test_logout_asks_the_upstream_nothing_even_with_its_metadata_forgotten(
        app, client, browser, actors, rp, psc, signed_in, monkeypatch):
    """The end-session endpoint was kept at sign-in: a process that restarted (its cache of
    the upstream's discovery empty), or an upstream slow to answer, cannot hold up a logout."""
    asked = []
    monkeypatch.setitem(app.extensions, metadata.CACHE_KEY, {})
    monkeypatch.setattr(metadata, "fetch_json", lambda url: asked.append(url) or {})

    page = client.get("/logout", query_string={"id_token_hint": signed_in,
                                               "post_logout_redirect_uri": BYE})

    assert leaving_target(page).startswith(psc.metadata()["end_session_endpoint"])
    assert asked == []


def test_a_confirmed_logout_without_hint_ends_the_upstream_session_too(app, client, browser,
                                                                       actors, rp, psc,
                                                                       signed_in):
    confirm = client.get("/logout")
    page = client.post("/logout", data={"csrf_token": csrf_token(confirm.text), "confirm": "yes"})

    back = confirm_upstream_logout(browser, leaving_target(page), LOGGED_OUT)
    parts = urlsplit(back)
    final = client.get(f"{parts.path}?{parts.query}")
    assert final.status_code == 200 and "Vous êtes déconnecté" in final.text
    assert not upstream_session_alive(client, browser, actors, rp)


def test_an_expired_session_leaves_the_upstream_session_alone(app, client, browser, actors, rp,
                                                              psc, signed_in):
    with app.app_context():
        db.session.execute(db.update(SsoSession).values(
            last_seen_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    page = client.get("/logout", query_string={"id_token_hint": signed_in,
                                               "post_logout_redirect_uri": BYE})
    # the idle session ended on its own before the logout: nothing to end upstream
    assert page.status_code == 302 and page.headers["Location"] == BYE
    assert upstream_session_alive(client, browser, actors, rp)


def test_a_local_session_logs_out_without_visiting_the_upstream(app, client, actors, rp, psc,
                                                                mail_catcher):
    actors.user()
    actors.sign_in(client, actors.rp(min_acr="pwd", name="Annuaire"))
    page = client.get("/logout", query_string={"post_logout_redirect_uri": BYE})
    confirm = client.post("/logout", data={"csrf_token": csrf_token(page.text), "confirm": "yes",
                                           "post_logout_redirect_uri": BYE})
    assert confirm.status_code in (200, 302) and "http-equiv" not in confirm.text
