"""What a worker of `idp serve` holds in memory: one password hash's memory however many of its
threads sign people in, and not the libraries that only some requests need (twilio for an SMS,
segno for an authenticator's QR code) nor the development mail catcher."""

import os
import subprocess
import sys

SERVED_MODULES = """
import sys
from idp import serve
from idp.cli import main

serve._Gunicorn.run = lambda self: print(" ".join(sorted(sys.modules)))
sys.argv = ["idp", "serve", "--workers", "1"]
main()
"""


def test_workers_do_not_load_what_only_some_requests_need(tmp_path):
    modules = subprocess.run(
        [sys.executable, "-c", SERVED_MODULES], check=True, capture_output=True, text=True,
        env={**os.environ, "IDP_DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}"},
    ).stdout.split()
    assert "idp.interaction.views" in modules  # the app was built, as `idp serve` forks it
    assert not [name for name in modules if name.split(".")[0] in ("twilio", "segno")]
    assert not [name for name in modules if name.startswith(("idp.mailcatcher", "aiosmtpd"))]


HASHING_THREADS = """
import sys, threading
from idp import create_app
from idp.accounts.passwords import hash_password, verify_password

app = create_app({"DATABASE_URL": sys.argv[1], "PASSWORD_HASH_MEMORY_KIB": 19456,  # DESIGN.md
                  "PASSWORD_HASH_TIME_COST": 1})

def rss_mib():
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0]) // 1024

def sign_in():
    with app.app_context():
        for _ in range(3):
            assert verify_password(stored, "x")

with app.app_context():
    stored = hash_password("x")
before = rss_mib()
threads = [threading.Thread(target=sign_in) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(rss_mib() - before)
"""


def test_request_threads_that_hash_keep_one_hash_memory_between_them(tmp_path):
    grown_mib = int(subprocess.run(
        [sys.executable, "-c", HASHING_THREADS, f"sqlite:///{tmp_path / 'idp.sqlite3'}"],
        check=True, capture_output=True, text=True).stdout)
    assert grown_mib < 40  # 8 threads, each keeping its 19 MiB, grew by some 150 MiB
