"""An upstream's discovery document and keys, fetched once and served from memory for
FEDERATION_METADATA_CACHE_SECONDS (keys again at once when a token names an unknown key)."""

from __future__ import annotations

import time
from typing import Any

import requests
from flask import current_app

from ..upstreams import Upstream
from .errors import UpstreamUnavailable

CACHE_KEY = "federation_metadata"
ENDPOINTS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def discovery(upstream: Upstream) -> dict[str, Any]:
    """The upstream's discovery document (checked for the endpoints a code flow needs)."""
    return _cached(upstream, "discovery", lambda: _discover(upstream))


def jwks(upstream: Upstream, refresh: bool = False) -> dict[str, Any]:
    """The upstream's public keys; ``refresh`` fetches them again."""
    if refresh:
        _cache().pop((upstream.discovery_url, "jwks"), None)
    return _cached(upstream, "jwks", lambda: fetch_json(discovery(upstream)["jwks_uri"]))


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON object from an upstream, within FEDERATION_TIMEOUT_SECONDS."""
    try:
        answer = requests.get(url, timeout=current_app.config["FEDERATION_TIMEOUT_SECONDS"],
                              headers={"Accept": "application/json"})
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as exc:
        raise UpstreamUnavailable(f"{url}: {type(exc).__name__}") from exc
    if not isinstance(document, dict):
        raise UpstreamUnavailable(f"{url}: not a JSON object")
    return document


def _discover(upstream: Upstream) -> dict[str, Any]:
    document = fetch_json(upstream.discovery_url)
    missing = [name for name in ENDPOINTS if not isinstance(document.get(name), str)]
    if missing:
        raise UpstreamUnavailable(f"discovery without {', '.join(missing)}")
    return document


def _cache() -> dict:
    return current_app.extensions.setdefault(CACHE_KEY, {})


def _cached(upstream: Upstream, kind: str, fetch) -> dict[str, Any]:
    cache = _cache()
    key = (upstream.discovery_url, kind)
    hit = cache.get(key)
    if hit is not None and time.monotonic() < hit[0]:
        return hit[1]
    value = fetch()
    cache[key] = (time.monotonic() + current_app.config["FEDERATION_METADATA_CACHE_SECONDS"],
                  value)
    return value
