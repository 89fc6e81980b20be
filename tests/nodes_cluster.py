"""Two real nodes (`idp serve`) on one PostgreSQL database and one Redis, behind the documented
nginx (tests/reverse_proxy.py), in production mode (https issuer, secure cookies), sending
their codes to the test mail catcher; and a person's browser that goes through nginx and
remembers which node answered each request."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import redis
import requests

from .delivery_servers import HOST
from .helpers import pkce_pair
from .interaction.second_factor_journey import (
    code_page,
    finish,
    latest_code,
    password_step,
    type_code,
)
from .provider_process import RealProvider, stop
from .refusable_database import own_database
from .reverse_proxy import ReverseProxy

REDIS_URL = "redis://127.0.0.1:6379/3"
PASSWORD = "a long password for the nodes"  # noqa: S105 - the test accounts' own
CALLBACK = "https://webmail.example.fr/auth/callback"
LOGGED_OUT = "https://webmail.example.fr/"
WEBMAIL = SimpleNamespace(redirect_uri=CALLBACK)
KEYS_CACHE_SECONDS = 2
SIGN_IN_POSTS_PER_MINUTE = 4
FREE_FAILURES = 2


@dataclass
class Cluster:
    """The proxy, the nodes by address (host:port), their processes, and a registered client."""

    proxy: ReverseProxy
    nodes: dict[str, RealProvider]
    servers: dict = field(default_factory=dict)
    client: dict = field(default_factory=dict)
    people: int = 0

    @property
    def issuer(self) -> str:
        return self.proxy.url

    @property
    def verify(self) -> str:
        """The certificate the browser trusts: nginx's."""
        return str(self.proxy.certificate)

    def address(self, url: str) -> str:
        """Where a request for ``url`` (a path or a URL) goes: to nginx."""
        return urljoin(self.issuer, url)

    def node_of(self, response: requests.Response) -> str:
        """The node that answered, as nginx tells."""
        return self.proxy.node_of(response)

    def idp(self, *args: str, stdin: str | None = None) -> str:
        """Run an `idp` command against the shared database."""
        return next(iter(self.nodes.values())).run(*args, stdin=stdin)

    def add_person(self) -> str:
        """A new account with PASSWORD; its address."""
        self.people += 1
        address = f"camille.noeud{self.people}@chu-nodes.mssante.fr"
        self.idp("users", "create", address, "--name", "Camille Noeud", "--notification-email",
                 f"camille.noeud{self.people}@example.org", "--password-stdin",
                 stdin=PASSWORD + "\n")
        return address


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, mail_catcher) -> Iterator[Cluster]:
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()  # no counter left by an earlier run
    except redis.ConnectionError:
        pytest.skip(f"this test needs Redis at {REDIS_URL}")
    with own_database("_nodes") as database:
        folders = [tmp_path_factory.mktemp(f"node{n}") for n in (1, 2)]
        providers = [RealProvider(folder) for folder in folders]
        addresses = [f"{HOST}:{provider.port}" for provider in providers]
        proxy = ReverseProxy(addresses)
        settings = {
            "ENVIRONMENT": "production", "ISSUER": proxy.url,
            "SECRET_KEY": "the nodes share this secret of more than 32 characters",
            "DATABASE_URL": database.url, "REDIS_URL": REDIS_URL, "TRUSTED_PROXIES": "1",
            "SERVE_WORKERS": "1", "KEYS_CACHE_SECONDS": str(KEYS_CACHE_SECONDS),
            "RATELIMIT_SIGNIN_PER_ACCOUNT": f"{SIGN_IN_POSTS_PER_MINUTE} per minute",
            "LOCKOUT_FREE_FAILURES": str(FREE_FAILURES),
            "MAIL_SERVER": HOST, "MAIL_PORT": str(mail_catcher.smtp_port),
        }
        for provider in providers:  # the same settings, each on its own port
            provider.configure(**settings)
        cluster = Cluster(proxy, dict(zip(addresses, providers, strict=True)))
        cluster.idp("db", "upgrade")
        cluster.client = json.loads(cluster.idp(
            "clients", "create", "--name", "Webmail", "--redirect-uri", CALLBACK,
            "--post-logout-redirect-uri", LOGGED_OUT, "--first-party", "--json"))
        try:
            for address, provider in cluster.nodes.items():
                cluster.servers[address] = provider.start()
            proxy.start()
            yield cluster
        finally:
            proxy.stop()
            for server in cluster.servers.values():
                stop(server)


# The step of the journey each request is, by method and path.
STEPS = [("GET", r"/authorize/resume/", "resume"), ("GET", r"/authorize", "authorize"),
         ("POST", r"/interaction/[^/]+/login$", "password"),
         ("GET", r"/interaction/[^/]+/code$", "code screen"),
         ("POST", r"/interaction/[^/]+/code$", "code"), ("GET", r"/interaction/[^/]+$", "screen"),
         ("POST", r"/token$", "token"), ("GET", r"/userinfo$", "userinfo"),
         ("GET", r"/logout$", "logout"), ("GET", r"/jwks\.json$", "jwks")]


def step_of(method: str, url: str) -> str:
    path = urlsplit(url).path
    return next(step for verb, pattern, step in STEPS
                if verb == method and re.match(pattern, path))


class Browser:
    """A person's browser, or a client's back end, talking to the provider where ``cluster``
    sends it (``address``: through nginx only; redirects not followed), like the test client of
    the journey helpers; ``landed`` lists, for each request, the step it was and the node that
    answered it (``node_of``)."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.session = requests.Session()
        # Forms are posted from the provider's own pages (CSRF's same-origin check over https).
        self.session.headers["Referer"] = cluster.issuer + "/"
        self.landed: list[tuple[str, str]] = []

    def get(self, url: str, **kwargs) -> requests.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self._send("POST", url, **kwargs)

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.cluster.address(url),
                                         allow_redirects=False, timeout=30,
                                         verify=self.cluster.verify, **kwargs)
        response.node = self.cluster.node_of(response)
        self.landed.append((step_of(method, response.request.path_url), response.node))
        return response

    def node(self, step: str) -> str:
        """The node that answered the (last) request of ``step``."""
        return [node for name, node in self.landed if name == step][-1]


def authorize(browser: Browser) -> tuple[requests.Response, str]:
    """A new authorization request of the webmail; (its answer, the PKCE verifier)."""
    verifier, challenge = pkce_pair()
    query = urlencode({"response_type": "code", "client_id": browser.cluster.client["client_id"],
                       "redirect_uri": CALLBACK, "scope": "openid profile email",
                       "state": secrets.token_hex(4), "nonce": secrets.token_hex(8),
                       "code_challenge": challenge, "code_challenge_method": "S256"})
    return browser.get("/authorize?" + query), verifier


def sign_in_screen(browser: Browser) -> tuple[requests.Response, str]:
    """The sign-in screen of a new authorization request; (the page, the PKCE verifier)."""
    response, verifier = authorize(browser)
    assert response.status_code == 302, response.text[:300]
    page = browser.get(response.headers["Location"])
    assert page.status_code == 200, page.text[:300]
    return page, verifier


def password(browser: Browser, page: requests.Response, address: str,
             typed: str = PASSWORD) -> requests.Response:
    """The sign-in screen's form: ``address``, ``typed``, and a code by e-mail."""
    return password_step(browser, page, "email", username=address, password=typed)


def code_and_back(browser: Browser, after_password: requests.Response, code: str) -> str:
    """The code screen, the code typed, and back to the webmail: the code of the callback."""
    response = type_code(browser, code_page(browser, after_password), code)
    return finish(browser, response, WEBMAIL)["code"]


def redeem(browser: Browser, code: str, verifier: str) -> dict:
    """The webmail's back end redeems the code: the tokens."""
    client = browser.cluster.client
    response = browser.post("/token", auth=(client["client_id"], client["client_secret"]),
                            data={"grant_type": "authorization_code", "code": code,
                                  "redirect_uri": CALLBACK, "code_verifier": verifier})
    assert response.status_code == 200, response.text
    return response.json()


def sign_in(browser: Browser, mail_catcher, address: str) -> dict:
    """A whole sign-in by password and e-mailed code, then the code redeemed: the tokens."""
    page, verifier = sign_in_screen(browser)
    after_password = password(browser, page, address)
    return redeem(browser, code_and_back(browser, after_password, latest_code(mail_catcher)),
                  verifier)


def key_id(token: str) -> str:
    """The ``kid`` of a signed token's header."""
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
