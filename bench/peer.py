"""The side-by-side peer: npm's oidc-provider (bench/peer.mjs), one Node.js process."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

from . import databases, processes
from .provider import CALLBACK, Credentials

SCRIPT = Path(__file__).with_name("peer.mjs")


class Peer:
    """oidc-provider with a service client and a web client, access tokens opaque or JWT."""

    def __init__(self, access_tokens: str):
        self.token_format = access_tokens
        self.port = processes.free_port()
        self.issuer = f"http://{processes.HOST}:{self.port}"
        self.client = Credentials("bench-service", secrets.token_urlsafe(32))
        self.web = Credentials("bench-webmail", secrets.token_urlsafe(32))
        self.process: subprocess.Popen | None = None

    @contextlib.contextmanager
    def serving(self) -> Iterator[Peer]:
        """bench/peer.mjs under Node.js until the block ends."""
        clients = [{"client_id": self.client.client_id, "client_secret": self.client.client_secret,
                    "grant_types": ["client_credentials"], "redirect_uris": [],
                    "response_types": []},
                   {"client_id": self.web.client_id, "client_secret": self.web.client_secret,
                    "grant_types": ["authorization_code", "refresh_token"],
                    "redirect_uris": [CALLBACK], "response_types": ["code"]}]
        env = {**os.environ, "PORT": str(self.port), "CLIENTS": json.dumps(clients),
               "ACCESS_TOKEN_FORMAT": self.token_format}
        log = databases.log_folder(f"oidc-provider-{self.token_format}") / "peer.log"
        with processes.running(["node", str(SCRIPT)], env, log,
                               self.issuer + "/.well-known/openid-configuration") as self.process:
            yield self

    @property
    def pid(self) -> int:
        """The Node.js process id."""
        return self.process.pid

    @property
    def authorization_path(self) -> str:
        """oidc-provider's default route of the authorization endpoint."""
        return "/auth"

    @property
    def token_path(self) -> str:
        """oidc-provider's default route of the token endpoint."""
        return "/token"

    @property
    def introspection_path(self) -> str:
        """oidc-provider's default route of the introspection endpoint."""
        return "/token/introspection"
