"""A rolling upgrade with the previous release (docs/upgrades.md): a real node of the previous
release (PREVIOUS_RELEASE, its code extracted from git and run with this virtualenv's Python)
serves on a PostgreSQL database it migrated itself; this code upgrades the database while that
node keeps serving; then a node of this code runs beside it, and sign-ins started on one node
finish on the other, a refresh token issued by one is redeemed on the other, and the old node
still serves whole sign-ins on the upgraded schema (for people its own CLI creates there)."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests

from .delivery_servers import HOST
from .interaction.second_factor_journey import latest_code
from .nodes_cluster import (
    CALLBACK,
    LOGGED_OUT,
    Browser,
    Cluster,
    code_and_back,
    password,
    redeem,
    sign_in_screen,
)
from .provider_process import RealProvider, stop
from .refusable_database import own_database
from .test_migration_rules import EXPAND_ONLY_AFTER, PREVIOUS_RELEASE

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/5"
# Only in this code: the previous release has no job queue.
NEW_ONLY_MODULE = "idp/jobs/__init__.py"


def extract_previous_release(into: Path) -> Path:
    """The tree of PREVIOUS_RELEASE (code, migrations, default settings) under ``into``; fails
    the test with the reason when git or the commit is missing."""
    if shutil.which("git") is None:
        pytest.fail("this test needs git, to extract the previous release")
    archive = subprocess.run(
        ["git", "-C", str(REPOSITORY), "archive", PREVIOUS_RELEASE, "idp", "migrations",
         "config", "wsgi.py"], capture_output=True, check=False)
    if archive.returncode != 0:
        pytest.fail(f"cannot extract the previous release {PREVIOUS_RELEASE} from "
                    f"{REPOSITORY} (a full clone is needed): {archive.stderr.decode()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    assert (into / "idp").is_dir() and not (into / NEW_ONLY_MODULE).exists()
    return into


@dataclass
class SideBySide(Cluster):
    """Two nodes addressed directly, without a proxy: each request goes to the node named in
    ``at`` ("old" or "new"), which the test moves between the steps of a journey."""

    at: str = "old"

    @property
    def issuer(self) -> str:
        return self.nodes["old"].issuer

    @property
    def verify(self) -> bool:
        return True

    def address(self, url: str) -> str:
        parts = urlsplit(url)
        return self.nodes[self.at].url + parts.path + (f"?{parts.query}" if parts.query else "")

    def node_of(self, response: requests.Response) -> str:
        return self.at

    def head(self, node: str) -> str:
        """The migration head the code of ``node`` knows."""
        return self.nodes[node].run("db", "heads").split()[0]

    def current(self) -> str:
        """The revision of the database."""
        return self.nodes["new"].run("db", "current").split()[0]


def probe(provider: RealProvider) -> int:
    """The status of ``/healthz``, which only this code has."""
    return requests.get(provider.url + "/healthz", timeout=10).status_code


def answers_while(provider: RealProvider, work) -> list[int]:
    """Run ``work`` while asking ``provider`` for its discovery document again and again: the
    status of every answer (an error that is no answer counts as 0)."""
    statuses, done = [], threading.Event()

    def ask():
        while not done.is_set():
            try:
                statuses.append(requests.get(
                    provider.url + "/.well-known/openid-configuration", timeout=10).status_code)
            except requests.RequestException:
                statuses.append(0)

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        work()
    finally:
        done.set()
        asking.join()
    return statuses


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory, mail_catcher) -> Iterator[SideBySide]:
    """The old node serving on a database it migrated, then upgraded by this code while it
    serves, then the new node beside it."""
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError:
        pytest.skip(f"this test needs Redis at {REDIS_URL}")
    old_tree = extract_previous_release(tmp_path_factory.mktemp("previous_release"))
    with own_database("_rolling") as database:
        old = RealProvider(tmp_path_factory.mktemp("old"), code=old_tree)
        new = RealProvider(tmp_path_factory.mktemp("new"))
        # One provider to the clients: both nodes name the same issuer (that of the old one).
        settings = {"ISSUER": old.url, "DATABASE_URL": database.url, "REDIS_URL": REDIS_URL,
                    "SECRET_KEY": "the nodes of both releases share this secret, 32+ chars",
                    "SERVE_WORKERS": "1", "MAIL_SERVER": HOST,
                    "MAIL_PORT": str(mail_catcher.smtp_port)}
        for provider in (old, new):
            provider.configure(**settings)
        side = SideBySide(proxy=None, nodes={"old": old, "new": new})
        # The old process runs the old code: its migrations end at the rule's revision.
        assert side.head("old") == EXPAND_ONLY_AFTER
        assert side.head("new") != EXPAND_ONLY_AFTER
        side.idp("db", "upgrade")
        assert side.current() == EXPAND_ONLY_AFTER
        side.client = json.loads(side.idp(
            "clients", "create", "--name", "Webmail", "--redirect-uri", CALLBACK,
            "--post-logout-redirect-uri", LOGGED_OUT, "--first-party", "--json"))
        try:
            side.servers["old"] = old.start()
            assert probe(old) == 404, "the old node serves this code (it has /healthz)"
            whole_sign_in(side, mail_catcher, ["old"] * 4)  # the old release runs
            statuses = answers_while(old, lambda: new.run("db", "upgrade"))
            assert side.current() == side.head("new")
            assert statuses and set(statuses) == {200}, "the old node stopped answering"
            side.servers["new"] = new.start()
            assert probe(new) == 200
            yield side
        finally:
            for server in side.servers.values():
                stop(server)


def whole_sign_in(side: SideBySide, mail_catcher, nodes: list[str]) -> dict:
    """A new person's sign-in whose four legs go to ``nodes``: authorize and password; code and
    resume; token; userinfo. Returns the tokens, after checking each leg's node."""
    address = side.add_person()
    browser = Browser(side)
    side.at = nodes[0]
    page, verifier = sign_in_screen(browser)
    after_password = password(browser, page, address)
    side.at = nodes[1]
    code = code_and_back(browser, after_password, latest_code(mail_catcher))
    side.at = nodes[2]
    tokens = redeem(browser, code, verifier)
    side.at = nodes[3]
    assert userinfo(browser, tokens)["email"] == address
    legs = {"password": nodes[0], "resume": nodes[1], "token": nodes[2], "userinfo": nodes[3]}
    assert {step: browser.node(step) for step in legs} == legs, browser.landed
    return tokens


def userinfo(browser: Browser, tokens: dict) -> dict:
    """The claims the access token of ``tokens`` reads."""
    response = browser.get("/userinfo",
                           headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert response.status_code == 200, response.text
    return response.json()


def refresh(browser: Browser, tokens: dict) -> requests.Response:
    """The webmail's back end redeems the refresh token of ``tokens``."""
    client = browser.cluster.client
    return browser.post("/token", auth=(client["client_id"], client["client_secret"]),
                        data={"grant_type": "refresh_token",
                              "refresh_token": tokens["refresh_token"]})


def test_a_sign_in_started_on_the_old_node_finishes_on_the_new(side_by_side, mail_catcher):
    whole_sign_in(side_by_side, mail_catcher, ["old", "new", "old", "new"])


def test_a_sign_in_started_on_the_new_node_finishes_on_the_old(side_by_side, mail_catcher):
    whole_sign_in(side_by_side, mail_catcher, ["new", "old", "new", "old"])


def test_the_new_node_serves_a_whole_sign_in(side_by_side, mail_catcher):
    whole_sign_in(side_by_side, mail_catcher, ["new"] * 4)


def test_a_refresh_token_of_one_release_is_redeemed_on_the_other(side_by_side, mail_catcher):
    side = side_by_side
    issued_by_old = whole_sign_in(side, mail_catcher, ["old"] * 4)
    browser = Browser(side)
    person = userinfo(browser, issued_by_old)["sub"]
    side.at = "new"
    by_new = refresh(browser, issued_by_old)
    assert by_new.status_code == 200, by_new.text
    side.at = "old"
    assert userinfo(browser, by_new.json())["sub"] == person
    by_old = refresh(browser, by_new.json())  # the new node's refresh token, on the old
    assert by_old.status_code == 200, by_old.text
    side.at = "new"
    assert userinfo(browser, by_old.json())["sub"] == person
    # Each node knows the other spent its token: a replay is refused on both.
    for node, spent in (("old", issued_by_old), ("new", by_new.json())):
        side.at = node
        replay = refresh(browser, spent)
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant", node


def test_the_old_node_still_serves_a_whole_sign_in_on_the_upgraded_schema(
        side_by_side, mail_catcher):
    assert side_by_side.current() == side_by_side.head("new")
    tokens = whole_sign_in(side_by_side, mail_catcher, ["old"] * 4)
    browser = Browser(side_by_side)
    side_by_side.at = "old"
    assert refresh(browser, tokens).status_code == 200
