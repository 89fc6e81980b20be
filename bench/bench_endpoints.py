"""Benchmarks of the hot paths: discovery, JWKS, token (code redemption), userinfo, introspection.

Run: .venv/bin/python bench/bench_endpoints.py [iterations]. Uses a throw-away SQLite database
and the Flask test client (no network), and prints the mean time and SQL statements per request.
Not part of the test suite.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from idp import create_app  # noqa: E402
from idp.extensions import db  # noqa: E402
from tests.helpers import Actors, pkce_pair  # noqa: E402


def main(iterations: int) -> None:
    folder = tempfile.mkdtemp()
    app = create_app({
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "ISSUER": "http://localhost",
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_TIME_COST": 1,
    })
    with app.app_context():
        upgrade()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    actors = Actors(app)
    actors.user()
    rp = actors.rp()
    browser = app.test_client()
    tokens = actors.tokens(browser, rp)  # warm the key ring and the sign-in path

    def measure(label, call):
        statements.clear()
        start = time.perf_counter()
        for _ in range(iterations):
            response = call()
            assert response.status_code == 200, (label, response.status_code)
        elapsed = (time.perf_counter() - start) / iterations
        print(f"{label:<28} {elapsed * 1000:8.3f} ms   {len(statements) / iterations:5.1f} SQL/req")

    measure("discovery", lambda: browser.get("/.well-known/openid-configuration"))
    measure("jwks", lambda: browser.get("/jwks.json"))
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    measure("userinfo", lambda: browser.get("/userinfo", headers=bearer))
    measure("introspection", lambda: browser.post(
        "/introspect", data={"token": tokens["access_token"]},
        auth=(rp.client_id, rp.client_secret)))

    codes = []
    for _ in range(iterations):
        verifier, challenge = pkce_pair()
        query = actors.sign_in(browser, rp, code_challenge=challenge,
                               code_challenge_method="S256")
        codes.append((query["code"], verifier))
    pending = iter(codes)

    def redeem():
        code, verifier = next(pending)
        return actors.redeem(browser, rp, code, verifier)

    measure("token (code + id_token)", redeem)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
