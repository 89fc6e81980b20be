"""Rate-limit counters live in Redis or in each process's memory: outside development, `idp
serve` refuses several worker processes without REDIS_URL, whose limits would be that many times
looser (real `idp serve` processes)."""

from __future__ import annotations

import subprocess

import pytest
import requests

from .provider_process import IDP, RealProvider

pytestmark = pytest.mark.slow

PRODUCTION = {"ENVIRONMENT": "production", "ISSUER": "https://idp.example.org",
              "SECRET_KEY": "a-production-secret-of-more-than-32-characters"}
REDIS_URL = "redis://127.0.0.1:6379/13"


def _provider(tmp_path, **settings: str) -> RealProvider:
    real = RealProvider(tmp_path, **settings)
    real.run("db", "upgrade")
    return real


def test_several_workers_without_redis_are_refused_outside_development(tmp_path):
    real = _provider(tmp_path, **PRODUCTION, SERVE_WORKERS="2")
    refused = subprocess.run([str(IDP), "serve", "--host", "127.0.0.1", "--port", str(real.port)],
                             env=real.env, cwd=real.folder, capture_output=True, text=True,
                             timeout=30)
    assert refused.returncode == 1
    assert "2 worker processes (SERVE_WORKERS or --workers) without REDIS_URL" in refused.stderr
    assert "Set REDIS_URL" in refused.stderr and "SERVE_WORKERS = 1" in refused.stderr
    assert "Traceback" not in refused.stderr
    with pytest.raises(requests.ConnectionError):  # nothing listens
        requests.get(real.url + "/.well-known/openid-configuration", timeout=2)


@pytest.mark.parametrize("settings", [{"SERVE_WORKERS": "2", "REDIS_URL": REDIS_URL},
                                      {"SERVE_WORKERS": "1"}],
                         ids=["several workers sharing Redis", "one worker"])
def test_shared_or_single_counters_start_outside_development(tmp_path, settings):
    real = _provider(tmp_path, **PRODUCTION, **settings)
    with real.serving():
        discovery = requests.get(real.url + "/.well-known/openid-configuration", timeout=5)
        assert discovery.json()["issuer"] == PRODUCTION["ISSUER"]


def test_development_serves_several_workers_without_redis_with_a_warning(tmp_path):
    real = _provider(tmp_path, SERVE_WORKERS="2")
    with real.serving():
        assert requests.get(real.issuer + "/jwks.json", timeout=5).status_code == 200
    log = (real.folder / "serve.log").read_text()
    assert "2 worker processes (SERVE_WORKERS or --workers) without REDIS_URL" in log
    assert "tolerated: ENVIRONMENT is development" in log
