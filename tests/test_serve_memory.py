"""What a worker of `idp serve` holds in memory: not the libraries that only some requests need
(twilio for an SMS, segno for an authenticator's QR code) nor the development mail catcher."""

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
