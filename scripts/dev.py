"""Run the whole product on this machine: the development mail catcher and the provider.

Started by `make run` after the database is migrated and the demo data seeded; prints where
everything is, and stops every process on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "5000")


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)  # stopped by a supervisor: stop the children too
    processes = [
        subprocess.Popen([str(BIN / "idp"), "mailcatcher", "--host", HOST]),
        subprocess.Popen([str(BIN / "idp"), "serve", "--host", HOST, "--port", PORT]),
    ]
    time.sleep(1.5)
    print(
        f"\n  Fournisseur d'identité : http://localhost:{PORT}/.well-known/openid-configuration"
        f"\n  Courriels et SMS reçus  : http://{HOST}:8025/"
        "\n  Ctrl-C arrête tout.\n",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()  # SIGTERM: both stop cleanly, even where SIGINT is ignored
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
