"""The provider under test: `idp` commands against the benchmark's database, and `idp serve`
(gunicorn, real worker processes) on a free port, sending its e-mails to the benchmark's SMTP
server."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

from . import databases, processes
from .trees import Tree

WORKERS = 2  # one per core of the 2-core machine the issue measures on
CALLBACK = "http://127.0.0.1:9/callback"
# The limits stay on (their counters are still kept and checked on every request), but high
# enough that one address (127.0.0.1) and a few accounts signing in again and again pass.
GENEROUS_LIMITS = {
    "RATELIMIT_SIGNIN_PER_IP": "1000000 per minute",
    "RATELIMIT_FAILURES_PER_IP": "1000000 per minute",
    "RATELIMIT_SIGNIN_PER_ACCOUNT": "1000000 per minute",
    "OTP_HOURLY_CAP": "1000000",
}


@dataclass(frozen=True)
class Credentials:
    """A registered client's id and secret."""

    client_id: str
    client_secret: str


class Provider:
    """One provider (one checkout's code on one database) of the benchmark."""

    def __init__(self, tree: Tree, database_url: str, smtp_port: int):
        self.tree = tree
        self.database_url = database_url
        self.port = processes.free_port()
        self.issuer = f"http://{processes.HOST}:{self.port}"
        self.folder = databases.log_folder(database_url.rsplit("/", 1)[-1].split(".")[0])
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
            "IDP_ISSUER": self.issuer,
            "IDP_DATABASE_URL": database_url,
            "IDP_SERVE_WORKERS": str(WORKERS),
            "IDP_MAIL_SERVER": processes.HOST,
            "IDP_MAIL_PORT": str(smtp_port),
            "IDP_DEMO_WEBMAIL_ENV_FILE": str(self.folder / "demo_webmail.env"),
            **{f"IDP_{key}": value for key, value in GENEROUS_LIMITS.items()},
        }
        self.process: subprocess.Popen | None = None

    def run(self, *args: str, stdin: str | None = None) -> str:
        """Run `idp ARGS`; its standard output."""
        done = subprocess.run([str(self.tree.idp), *args], env=self.env, cwd=self.folder,
                              input=stdin, text=True, capture_output=True)
        if done.returncode:
            raise SystemExit(f"idp {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def migrate(self) -> None:
        """`idp db upgrade`."""
        self.run("db", "upgrade")

    def register(self, name: str, *options: str) -> Credentials:
        """A new client registered through `idp clients create`."""
        answer = json.loads(self.run("clients", "create", "--name", name, *options, "--json"))
        return Credentials(answer["client_id"], answer["client_secret"])

    def service_client(self) -> Credentials:
        """A client_credentials client."""
        return self.register("Bench service", "--grant-type", "client_credentials")

    def web_client(self) -> Credentials:
        """A confidential first-party client asking for two factors (e-mailed code)."""
        return self.register("Bench webmail", "--redirect-uri", CALLBACK, "--acr", "mfa",
                             "--first-party")

    def admin_client(self) -> Credentials:
        """A service client of the admin API, role admin."""
        return self.register("Bench admin", "--grant-type", "client_credentials",
                             "--scope", "admin", "--admin-role", "admin")

    @contextlib.contextmanager
    def serving(self) -> Iterator[Provider]:
        """`idp serve` until the block ends."""
        with processes.running(
            [str(self.tree.idp), "serve", "--host", processes.HOST, "--port", str(self.port)],
            self.env, self.folder / "serve.log",
            self.issuer + "/.well-known/openid-configuration", cwd=self.folder,
        ) as self.process:
            yield self

    @property
    def pid(self) -> int:
        """The gunicorn master's process id."""
        return self.process.pid

    def workers(self) -> list[int]:
        """The worker processes' ids."""
        return processes.children(self.pid)
