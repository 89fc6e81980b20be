"""A real nginx in front of the provider's nodes, running the documented configuration
(docs/deploy/nginx.conf) with its example addresses and paths replaced: started by the test on
loopback, unprivileged (as ``nobody`` when the tests run as root), with its own prefix,
configuration, pid, logs and temporary files in a folder of its own.

nginx's access log names the node that answered each request (``node=$upstream_addr``): the
tests read it to prove where each request landed."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from .certificates import self_signed_certificate
from .delivery_servers import HOST, free_port

DOCUMENTED = Path(__file__).resolve().parent.parent / "docs" / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
EXAMPLE_NODES = ("10.0.0.11:8000", "10.0.0.12:8000")
LOG_LINE = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) \d+ node=(?P<node>.*) request_id=')

MAIN = """worker_processes 1;  # one worker: the upstream's round-robin is strict
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log off;  # the site logs its own requests
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/idp.conf;
}}
"""


def site(nodes: list[str], port: int, plain_port: int, folder: Path) -> str:
    """docs/deploy/nginx.conf for these two nodes, on these loopback ports, with files here."""
    text = DOCUMENTED.read_text()
    replacements = {
        EXAMPLE_NODES[0]: nodes[0],
        EXAMPLE_NODES[1]: nodes[1],
        "listen 80;": f"listen {HOST}:{plain_port};",
        "listen 443 ssl;": f"listen {HOST}:{port} ssl;",
        "server_name auth.example.fr;": f"server_name {HOST};",
        "/etc/ssl/certs/auth.example.fr.pem": str(folder / "cert.pem"),
        "/etc/ssl/private/auth.example.fr.key": str(folder / "key.pem"),
        "/var/log/nginx/idp.access.log": str(folder / "access.log"),
    }
    for example, value in replacements.items():
        assert example in text, f"{DOCUMENTED} no longer has {example!r}: update {__file__}"
        text = text.replace(example, value)
    return text


class ReverseProxy:
    """nginx on https://127.0.0.1:<port> (and plain http on another port, which redirects)."""

    def __init__(self, nodes: list[str]):
        if not os.access(NGINX, os.X_OK):
            pytest.skip("this test needs nginx (apt-get install nginx)")
        self.folder = Path(tempfile.mkdtemp(prefix="idp-nginx-"))
        self.port, self.plain_port = free_port(), free_port()
        self.url = f"https://{HOST}:{self.port}"
        self.certificate, _ = self_signed_certificate(self.folder, HOST)
        (self.folder / "idp.conf").write_text(site(nodes, self.port, self.plain_port,
                                                   self.folder))
        (self.folder / "nginx.conf").write_text(MAIN.format(folder=self.folder))
        for log in ("access.log", "error.log"):
            (self.folder / log).touch()
        self._lines_read = 0
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start nginx and wait until it accepts connections."""
        unprivileged = {}
        if os.geteuid() == 0:  # never keep root: run nginx itself as nobody
            nobody = pwd.getpwnam("nobody")
            for path in [self.folder, *self.folder.iterdir()]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            unprivileged = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        with (self.folder / "error.log").open("a") as errors:
            self._process = subprocess.Popen(
                [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                 "-e", str(self.folder / "error.log"), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=errors, **unprivileged)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    log = self.error_log()
                    self.stop()
                    pytest.fail("nginx did not start:\n" + log)
                time.sleep(0.1)

    def error_log(self) -> str:
        log = self.folder / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        """Stop nginx (fast shutdown) and remove its folder."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)

    def node_of(self, response: requests.Response) -> str:
        """The node (host:port) that answered ``response``, the last request sent through
        nginx, read from nginx's access log (the one that answered, after a failover)."""
        deadline = time.monotonic() + 5
        while True:
            lines = (self.folder / "access.log").read_text().splitlines()
            if len(lines) > self._lines_read or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        new, self._lines_read = lines[self._lines_read:], len(lines)
        assert len(new) == 1, f"expected one request in nginx's log, found {new}"
        line = LOG_LINE.search(new[0])
        method_and_path = f"{response.request.method} {response.request.path_url} "
        assert line and line["request"].startswith(method_and_path), (new[0], method_and_path)
        assert line["status"] == str(response.status_code), new[0]
        return line["node"].split(", ")[-1]
