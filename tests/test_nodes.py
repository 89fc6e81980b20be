"""Several nodes behind nginx: two real `idp serve` processes on one PostgreSQL database and one
Redis, behind the documented nginx configuration (docs/deploy/nginx.conf, round-robin), serve
whole sign-ins whose requests land on different nodes (nginx's log names the node of each
request), sign with a key rotated on the shared database within KEYS_CACHE_SECONDS, count
rate limits and lockouts together, and a node killed in the middle of a sign-in leaves the
person able to finish on the other."""

from __future__ import annotations

import html
import time
from itertools import pairwise

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from .interaction.limited_journey import TOO_MANY
from .interaction.second_factor_journey import latest_code
from .nodes_cluster import (
    KEYS_CACHE_SECONDS,
    LOGGED_OUT,
    SIGN_IN_POSTS_PER_MINUTE,
    Browser,
    authorize,
    code_and_back,
    key_id,
    password,
    redeem,
    sign_in,
    sign_in_screen,
)
from .provider_process import kill

pytestmark = pytest.mark.slow

LOCKED = "Trop d'essais pour ce compte."


def test_a_sign_in_moves_between_nodes_at_every_step(cluster, mail_catcher):
    address = cluster.add_person()
    browser = Browser(cluster)
    page, verifier = sign_in_screen(browser)
    after_password = password(browser, page, address)
    code = code_and_back(browser, after_password, latest_code(mail_catcher))
    tokens = redeem(browser, code, verifier)
    userinfo = browser.get("/userinfo",
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["email"] == address
    logout = browser.get("/logout", params={
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGGED_OUT})
    assert logout.status_code == 302 and logout.headers["Location"] == LOGGED_OUT
    again, _ = authorize(browser)  # the session ended for every node: sign in again
    assert again.status_code == 302 and "/interaction/" in again.headers["Location"]

    # Every request went to the other node than the one before: the form given by one is
    # posted to the other, the password checked by one is known to the other, the code issued
    # by one is redeemed on the other, its access token read by the other, and the logout on
    # one ends the session for the other.
    steps = [step for step, _ in browser.landed]
    assert steps == ["authorize", "screen", "password", "code screen", "code", "resume",
                     "token", "userinfo", "logout", "authorize"]
    nodes = [node for _, node in browser.landed]
    assert set(nodes) == set(cluster.nodes)
    assert all(one != other for one, other in pairwise(nodes)), browser.landed


def signing_key_by_node(cluster, mail_catcher) -> dict[str, str]:
    """The kid of the ID tokens each node signs now (whole sign-ins until both nodes redeemed
    a code); each ID token is checked against the published keys."""
    kids, id_tokens = {}, []
    for _ in range(6):
        browser = Browser(cluster)
        id_tokens.append(sign_in(browser, mail_catcher, cluster.add_person())["id_token"])
        kids[browser.node("token")] = key_id(id_tokens[-1])
        if len(kids) == len(cluster.nodes):
            break
    assert len(kids) == len(cluster.nodes), f"the codes were all redeemed on one node: {kids}"
    jwks = Browser(cluster).get("/jwks.json").json()
    for id_token in id_tokens:
        jwt.decode(id_token, KeySet.import_key_set(jwks))  # its signature holds
    return kids


def published_by_node(cluster) -> dict[str, set[str]]:
    """The key ids of the JWKS each node publishes."""
    browser = Browser(cluster)
    published = {}
    while len(published) < len(cluster.nodes):
        response = browser.get("/jwks.json")
        published[response.node] = {key["kid"] for key in response.json()["keys"]}
    return published


def test_a_key_rotated_on_one_node_signs_on_every_node_within_the_cache_lifetime(
        cluster, mail_catcher):
    before = signing_key_by_node(cluster, mail_catcher)
    assert len(set(before.values())) == 1
    published_before = published_by_node(cluster)

    cluster.idp("keys", "rotate")
    time.sleep(KEYS_CACHE_SECONDS + 0.5)

    after = signing_key_by_node(cluster, mail_catcher)
    assert len(set(after.values())) == 1 and set(after.values()) != set(before.values())
    old, new = next(iter(before.values())), next(iter(after.values()))
    for node, kids in published_by_node(cluster).items():
        assert old in kids, "a retired key stays published while its tokens live"
        assert new in published_before[node], "the new key was published before it signed"
        assert kids - published_before[node], "the next key is published at once"


def test_a_rate_limit_counts_the_posts_of_both_nodes(cluster):
    address = cluster.add_person()
    browser = Browser(cluster)
    page, _ = sign_in_screen(browser)
    for _ in range(SIGN_IN_POSTS_PER_MINUTE):  # refused as wrong, then as delayed (lockout)
        answer = password(browser, page, address, typed="not the password")
        assert TOO_MANY not in html.unescape(answer.text), answer.text[:300]
        page = answer if "csrf_token" in answer.text else page
    refused = password(browser, page, address, typed="not the password")
    assert refused.status_code == 429 and TOO_MANY in html.unescape(refused.text)
    posts = [node for step, node in browser.landed if step == "password"]
    assert set(posts[:SIGN_IN_POSTS_PER_MINUTE]) == set(cluster.nodes), \
        f"each node alone saw fewer posts than the limit: {posts}"


def test_a_lockout_counts_the_failures_of_both_nodes(cluster):
    address = cluster.add_person()
    browser = Browser(cluster)
    page, _ = sign_in_screen(browser)
    for _ in range(3):  # two free failures, then a delay
        page = password(browser, page, address, typed="not the password")
        assert page.status_code == 200
    right = password(browser, page, address)
    assert LOCKED in html.unescape(right.text), right.text[:500]
    posts = [node for step, node in browser.landed if step == "password"]
    assert posts[-1] != posts[-2] and set(posts[:2]) == set(cluster.nodes), posts


def test_a_node_killed_during_a_sign_in_leaves_the_other_to_finish_it(cluster, mail_catcher):
    address = cluster.add_person()
    browser = Browser(cluster)
    page, verifier = sign_in_screen(browser)
    after_password = password(browser, page, address)
    dead = browser.node("password")
    kill(cluster.servers[dead])  # SIGKILL to the whole node, workers included

    code = code_and_back(browser, after_password, latest_code(mail_catcher))
    tokens = redeem(browser, code, verifier)
    userinfo = browser.get("/userinfo",
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["email"] == address
    after_the_kill = [node for _, node in browser.landed[3:]]
    survivor = (set(cluster.nodes) - {dead}).pop()
    assert after_the_kill and set(after_the_kill) == {survivor}
