"""A real provider process for the tests that talk to it over HTTP: the `idp` console script
with its own SQLite database in a folder (or the database and settings a test gives, e.g. a
PostgreSQL DATABASE_URL shared by several nodes), `idp serve` (gunicorn) on a free port, and
`idp worker` running the queued jobs; or the same commands of another release's code, from a
tree of its own, with this virtualenv's Python."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .delivery_servers import HOST, free_port

IDP = Path(sys.executable).with_name("idp")


class RealProvider:
    """The provider of one test module: run `idp` commands, then serve. ``url`` is where this
    process listens; ``issuer`` the public URL (``url`` unless the ISSUER setting names a
    reverse proxy in front of it). ``code``: the root of another release's tree (its `idp`
    package, migrations and config) to run instead of the installed code."""

    def __init__(self, folder: Path, code: Path | None = None, **settings: str):
        self.folder = folder
        # The other tree comes first on the path, before the installed (editable) project.
        self.command = [str(IDP)] if code is None else \
            [sys.executable, "-c", "from idp.cli import main; main()"]
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.issuer = settings.get("ISSUER", self.url)
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "IDP_CONFIG"},
            "IDP_ISSUER": self.issuer,
            "IDP_DATABASE_URL": f"sqlite:///{folder / 'idp.sqlite3'}",
            "IDP_PASSWORD_HASH_MEMORY_KIB": "1024",
            "IDP_SERVE_WORKERS": "2",
            "IDP_DEMO_WEBMAIL_ENV_FILE": str(folder / "demo_webmail.env"),
            # Jobs run in the process that asks for them, after its commit, as in the suite's
            # provider; the tests of `idp worker` turn the queue on.
            "IDP_JOB_QUEUE_IMMEDIATE": "true",
            **{f"IDP_{key}": value for key, value in settings.items()},
        }
        if code is not None:
            self.env["PYTHONPATH"] = str(code)

    def configure(self, **settings: str) -> None:
        """Change settings before the next command or start (ISSUER included)."""
        self.issuer = settings.get("ISSUER", self.issuer)
        self.env.update({f"IDP_{key}": value for key, value in settings.items()})

    def run(self, *args: str, stdin: str | None = None) -> str:
        """Run `idp ARGS` against this provider's database; its standard output."""
        return subprocess.run([*self.command, *args], env=self.env, cwd=self.folder, input=stdin,
                              text=True, capture_output=True, check=True).stdout

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """`idp serve` until the block ends; fails the test with its log if it cannot start."""
        server = self.start()
        try:
            yield
        finally:
            stop(server)

    def start(self, log_name: str = "serve.log") -> subprocess.Popen:
        """Start `idp serve` (gunicorn's arbiter and its workers, in a process group of their
        own) and return once it answers; fails the test with its log if it cannot start."""
        log = self.folder / log_name
        with log.open("w") as sink:
            server = subprocess.Popen(
                [*self.command, "serve", "--host", HOST, "--port", str(self.port)],
                env=self.env, cwd=self.folder, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_up(server, log)
        return server

    @contextlib.contextmanager
    def working(self, log_name: str = "worker.log") -> Iterator[subprocess.Popen]:
        """`idp worker` until the block ends (SIGTERM); the block gets the process."""
        log = self.folder / log_name
        with log.open("w") as sink:
            worker = subprocess.Popen([*self.command, "worker"], env=self.env, cwd=self.folder,
                                      stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_for_line(worker, log, "Huey consumer started")
            yield worker
        finally:
            stop(worker)

    def _wait_until_up(self, server: subprocess.Popen, log: Path) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url + "/.well-known/openid-configuration", timeout=1).close()
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    stop(server)
                    pytest.fail("idp serve did not start:\n" + log.read_text())
                time.sleep(0.2)


def wait_for_line(process: subprocess.Popen, log: Path, text: str, seconds: float = 30) -> None:
    """Wait until ``process`` writes ``text`` in ``log``; fail the test with the log if it
    ends or takes longer."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(f"no {text!r} from the process:\n" + log.read_text())
        time.sleep(0.1)


def stop(server: subprocess.Popen, grace: float = 30) -> None:
    """Stop a server process as an operator would (SIGTERM, then its graceful shutdown); one
    still running after ``grace`` seconds (a machine under load) is killed."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        kill(server)


def kill(server: subprocess.Popen) -> None:
    """SIGKILL a server and every process of its group at once, as a crash would end them;
    returns once none is left (a worker still exiting would still hold the listening socket)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"processes of group {server.pid} outlived SIGKILL")
