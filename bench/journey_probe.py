"""The sign-in journey measured from outside: password + e-mailed code + token, N people at once.

Starts `idp serve` (the `idp` of each source tree given, in turn, interleaved and repeated) on
PostgreSQL, with a real SMTP server (aiosmtpd) that receives the codes, and drives whole journeys
with `requests`: GET /authorize, the sign-in page, POST identifier + password + e-mail factor
(the code is sent), the code page, POST the code, the redirects back to the client, POST /token.

Prints per tree and per run: journeys/s, p50/p99 of a journey's wall time, server CPU per journey
(utime + stime of every server process, from /proc) divided by one argon2id verification with the
provider's parameters timed in the same run, and the RSS / private memory of each worker after the
load. Medians and spread over the runs at the end.

    .venv/bin/python bench/journey_probe.py --database postgresql+psycopg://postgres@127.0.0.1/db \
        --tree /path/to/baseline --tree . --repeats 3 --seconds 20

Not part of the test suite; seeds its own accounts in the database given (schema created with
the first tree's `idp db upgrade`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import queue
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
PEOPLE_PREFIX = "bench.journey"
CLIENT_NAME = "Bench journey"
REDIRECT_URI = "https://rp.bench.example/callback"
PASSWORD = "correct horse battery staple bench"  # noqa: S105 - benchmark account only
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Codes:
    """The SMTP side: the newest code per recipient, handed to whoever waits for it."""

    def __init__(self):
        self._waiting: dict[str, queue.Queue] = {}
        self._lock = threading.Lock()

    def inbox(self, address: str) -> queue.Queue:
        with self._lock:
            return self._waiting.setdefault(address.lower(), queue.Queue())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        text = envelope.content.decode("utf-8", "replace")
        text = re.sub(r"=\r?\n", "", text)
        match = re.search(r"\b(\d{6})\b", text.split("\r\n\r\n", 1)[-1])
        for recipient in envelope.rcpt_tos:
            if match:
                self.inbox(recipient).put(match.group(1))
        return "250 OK"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def shown_error(html: str) -> str:
    match = re.search(r'role="alert">([^<]*)<', html)
    return match.group(1) if match else html[:300]


def form_action(html: str, suffix: str) -> str:
    return re.search(rf'action="([^"]*{re.escape(suffix)})"', html).group(1)


def journey(issuer: str, client: dict, person: int, codes: Codes) -> None:
    """One whole sign-in, in a fresh browser; raises on anything unexpected."""
    browser = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    response = browser.get(issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email", "state": secrets.token_hex(4),
        "nonce": secrets.token_hex(4), "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256"})
    assert response.status_code == 302, response.text[:300]
    page = browser.get(urljoin(issuer, response.headers["Location"]), allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    inbox = codes.inbox(f"{PEOPLE_PREFIX}.{person}@notifications.example")
    while not inbox.empty():
        inbox.get_nowait()
    response = browser.post(urljoin(issuer, form_action(page.text, "/login")), data={
        "username": f"{PEOPLE_PREFIX}.{person}@chu-bench.mssante.fr", "password": PASSWORD,
        "factor": "email", "csrf_token": csrf(page.text)}, allow_redirects=False)
    assert response.status_code == 302, (response.status_code, shown_error(response.text))
    page = browser.get(urljoin(issuer, response.headers["Location"]), allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    code = inbox.get(timeout=10)
    response = browser.post(urljoin(issuer, form_action(page.text, "/code")), data={
        "code": code, "csrf_token": csrf(page.text)}, allow_redirects=False)
    while response.status_code == 302 and not response.headers["Location"].startswith(
            REDIRECT_URI):
        response = browser.get(urljoin(issuer, response.headers["Location"]),
                               allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    tokens = requests.post(issuer + "/token", data={  # the client's call, not the browser's
        "grant_type": "authorization_code", "code": query["code"][0],
        "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
        auth=(client["client_id"], client["client_secret"]), timeout=30)
    assert tokens.status_code == 200, tokens.text[:300]


class Server:
    """`idp serve` of one source tree, and its processes' CPU and memory."""

    def __init__(self, tree: Path, env: dict[str, str], folder: Path):
        self.tree = tree
        self.env = env
        self.log = folder / f"serve-{tree.name}.log"
        self.port = int(env["IDP_ISSUER"].rsplit(":", 1)[1])

    def idp(self, *args: str, stdin: str | None = None) -> str:
        return subprocess.run([str(self.tree / ".venv/bin/idp"), *args], env=self.env,
                              input=stdin, text=True, capture_output=True, check=True,
                              cwd=self.tree).stdout

    def __enter__(self):
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [str(self.tree / ".venv/bin/idp"), "serve", "--host", HOST,
                 "--port", str(self.port)],
                env=self.env, cwd=self.tree, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.env["IDP_ISSUER"] + "/.well-known/openid-configuration",
                             timeout=2).close()
                if len(self.workers()) == int(self.env["IDP_SERVE_WORKERS"]):
                    return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("idp serve did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)

    def __exit__(self, *_):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in [self.process.pid, *self.workers()]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS

    def memory_mb(self) -> list[tuple[float, float]]:
        """(RSS, private) in MB of each worker."""
        sizes = []
        for pid in self.workers():
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            kib = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
            private = kib["Private_Clean"] + kib["Private_Dirty"]
            sizes.append((kib["Rss"] / 1024, private / 1024))
        return sizes


def argon2_verify_seconds(memory_kib: int, time_cost: int, parallelism: int) -> float:
    """Median CPU time of one argon2id verification with these parameters."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
    stored = hasher.hash(PASSWORD)
    times = []
    for _ in range(15):
        start = time.thread_time()  # CPU time: other processes' load does not count
        hasher.verify(stored, PASSWORD)
        times.append(time.thread_time() - start)
    return statistics.median(times)


def run_load(issuer: str, client: dict, people: int, concurrency: int, seconds: float,
             codes: Codes) -> tuple[int, list[float], list[str]]:
    """Journeys from ``concurrency`` threads for ``seconds``: (count, durations, errors)."""
    stop_at = time.monotonic() + seconds
    durations: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**9))
    lock = threading.Lock()

    def person_loop():
        while time.monotonic() < stop_at:
            with lock:
                person = next(counter) % people
            start = time.perf_counter()
            try:
                journey(issuer, client, person, codes)
                durations.append(time.perf_counter() - start)
            except Exception as error:  # noqa: BLE001 (reported, the run goes on)
                errors.append(repr(error)[:200])

    threads = [threading.Thread(target=person_loop) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(durations), durations, errors


def seed(server: Server, people: int) -> dict:
    """The schema, the accounts and the client (created once; the client is recreated)."""
    server.idp("db", "upgrade")
    script = f"""
import json, sys
from idp import create_app
from idp.extensions import db
from idp.models import User
from idp.accounts.users import create_user
from idp.oidc.clients import register_client
app = create_app()
with app.app_context():
    known = set(db.session.scalars(db.select(User.email).where(
        User.email.like('{PEOPLE_PREFIX}.%'))))
    for i in range({people}):
        email = f'{PEOPLE_PREFIX}.{{i}}@chu-bench.mssante.fr'
        if email not in known:
            create_user(email, f'Bench Person {{i}}',
                        f'{PEOPLE_PREFIX}.{{i}}@notifications.example', password={PASSWORD!r})
    registered = register_client({CLIENT_NAME!r}, redirect_uris=[{REDIRECT_URI!r}],
                                 min_acr='mfa', first_party=True)
    db.session.commit()
    print(json.dumps({{'client_id': registered.client.client_id,
                      'client_secret': registered.client_secret}}))
"""
    output = subprocess.run([str(server.tree / ".venv/bin/python"), "-c", script],
                            env=server.env, text=True, capture_output=True, cwd=server.tree)
    if output.returncode:
        raise SystemExit(output.stderr[-3000:])
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--tree", action="append", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    arguments = parser.parse_args()

    codes = Codes()
    smtp = Controller(codes, hostname=HOST, port=free_port())
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="journey-probe-"))
    memory_kib, time_cost, parallelism = 19456, 2, 1  # config/default.toml, never lowered
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IDP_")},
        "IDP_ISSUER": f"http://{HOST}:{port}",
        "IDP_DATABASE_URL": arguments.database,
        "IDP_SECRET_KEY": "bench-" + "k" * 40,
        "IDP_MAIL_SERVER": HOST, "IDP_MAIL_PORT": str(smtp.port),
        "IDP_REDIS_URL": arguments.redis,
        "IDP_SERVE_WORKERS": str(arguments.workers),
        # one address drives every journey: the per-address ceiling is not what is measured
        "IDP_RATELIMIT_SIGNIN_PER_IP": "100000 per minute",
        # each person signs in hundreds of times an hour here; the cap is still checked
        "IDP_OTP_HOURLY_CAP": "1000000",
        "IDP_DEMO_WEBMAIL_ENV_FILE": str(folder / "demo_webmail.env"),
    }
    trees = [tree.resolve() for tree in arguments.tree]
    client = seed(Server(trees[0], env, folder), arguments.people)
    results: dict[Path, list[dict]] = {tree: [] for tree in trees}
    for repeat in range(arguments.repeats):
        for tree in trees if repeat % 2 == 0 else reversed(trees):
            with Server(tree, env, folder) as server:
                run_load(server.env["IDP_ISSUER"], client, arguments.people,
                         arguments.concurrency, 3, codes)  # warm-up
                hash_seconds = argon2_verify_seconds(memory_kib, time_cost, parallelism)
                cpu_before = server.cpu_seconds()
                started = time.perf_counter()
                count, durations, errors = run_load(
                    server.env["IDP_ISSUER"], client, arguments.people, arguments.concurrency,
                    arguments.seconds, codes)
                elapsed = time.perf_counter() - started
                cpu = server.cpu_seconds() - cpu_before
                memory = server.memory_mb()
            durations.sort()
            row = {
                "rate": count / elapsed,
                "p50": durations[len(durations) // 2] * 1000 if durations else 0,
                "p99": durations[int(len(durations) * 0.99)] * 1000 if durations else 0,
                "cpu_ms": cpu / max(count, 1) * 1000,
                "hash_ms": hash_seconds * 1000,
                "ratio": cpu / max(count, 1) / hash_seconds,
                "rss": max(m[0] for m in memory), "private": max(m[1] for m in memory),
                "errors": len(errors),
            }
            results[tree].append(row)
            print(f"{tree.name:<16} run {repeat + 1}: {row['rate']:6.2f} journeys/s  "
                  f"p50 {row['p50']:6.0f} ms  p99 {row['p99']:6.0f} ms  "
                  f"CPU {row['cpu_ms']:6.1f} ms = {row['ratio']:4.2f}x hash ({row['hash_ms']:.1f}"
                  f" ms)  worker RSS {row['rss']:.0f} MB, private {row['private']:.0f} MB"
                  f"  errors {row['errors']}" + (f" ({errors[0]})" if errors else ""),
                  flush=True)
    smtp.stop()
    print("\nmedians (min-max) over", arguments.repeats, "runs")
    for tree, rows in results.items():
        def summary(key, rows=rows):
            values = [row[key] for row in rows]
            return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
        print(f"{tree.name:<16} journeys/s {summary('rate')}  CPU/hash {summary('ratio')}  "
              f"p99 ms {summary('p99')}  RSS MB {summary('rss')}  private MB "
              f"{summary('private')}")


if __name__ == "__main__":
    sys.exit(main())
