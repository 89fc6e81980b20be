"""Run the whole product on this machine: the development mail catcher, the provider, its job
worker (e-mails with links, back-channel logout) and the demo webmail.

Started by `make run` after the database is migrated and the demo data seeded (`idp demo` writes
the webmail's client credentials to instance/demo_webmail.env); prints where everything is and
the demo accounts, and stops every process on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "5000")
WEBMAIL_PORT = "8000"  # the port `idp demo` registered
WEBMAIL_ENV = Path(__file__).resolve().parents[1] / "instance" / "demo_webmail.env"


def _webmail_environment() -> dict[str, str]:
    """This environment plus the webmail's settings: the credentials `idp demo` wrote."""
    pairs = (line.split("=", 1) for line in WEBMAIL_ENV.read_text().splitlines() if "=" in line)
    return {**os.environ, "WEBMAIL_ISSUER": f"http://localhost:{PORT}", **dict(pairs)}


def _ports_in_use() -> list[str]:
    """The ports this stack needs that another program already holds."""
    taken = []
    for port in (PORT, WEBMAIL_PORT, "8025", "1025"):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, int(port))) == 0:
                taken.append(port)
    return taken


def _stop(_signum, _frame):
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)  # stopped by a supervisor: stop the children too
    taken = _ports_in_use()
    if taken:
        print(f"Port(s) déjà utilisé(s) sur {HOST} : {', '.join(taken)}. Arrêtez le programme "
              "qui les occupe (un autre `make run` ?), puis relancez.", file=sys.stderr)
        return 1
    webmail_env = _webmail_environment()
    terminal_logs = {"IDP_LOG_FORMAT": "text", **os.environ}
    subprocess.run([str(BIN / "demo-webmail"), "seed"], env=webmail_env, check=True)
    processes = [
        subprocess.Popen([str(BIN / "idp"), "mailcatcher", "--host", HOST]),
        # log lines to read in a terminal, unless the developer chose otherwise
        subprocess.Popen([str(BIN / "idp"), "serve", "--host", HOST, "--port", PORT],
                         env=terminal_logs),
        subprocess.Popen([str(BIN / "idp"), "worker"], env=terminal_logs),
        subprocess.Popen([str(BIN / "demo-webmail"), "serve", "--host", HOST,
                          "--port", WEBMAIL_PORT], env=webmail_env),
    ]
    time.sleep(1.5)
    print(
        f"\n  Fournisseur d'identité : http://localhost:{PORT}/.well-known/openid-configuration"
        f"\n  Administration (Jeanne est référente) : http://localhost:{PORT}/admin"
        f"\n  Webmail de démonstration : http://localhost:{WEBMAIL_PORT}/"
        f"\n  Courriels et SMS reçus  : http://{HOST}:8025/"
        "\n  Comptes : jeanne.martin@demo.mssante.fr et paul.durand@demo.mssante.fr,"
        " mot de passe demo-mssante-2026"
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
                process.terminate()  # SIGTERM: all stop cleanly, even where SIGINT is ignored
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
