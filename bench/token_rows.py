"""The rows of the token endpoint and of introspection: the same forms posted by wrk to the
provider and to the peer, with the same client authentication (client_secret_basic)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import requests

from .load import Run, basic, post_form
from .peer import Peer
from .provider import Credentials, Provider

CLIENT_CREDENTIALS = urlencode({"grant_type": "client_credentials"})


def _access_token(token_url: str, client: Credentials) -> str:
    answer = requests.post(token_url, data={"grant_type": "client_credentials"},
                           auth=(client.client_id, client.client_secret), timeout=10)
    answer.raise_for_status()
    return answer.json()["access_token"]


def tokens(issuer: str, path: str, client: Credentials, pid: int) -> Callable[[float], Run]:
    """One run of client_credentials token requests, for the seconds given."""
    return lambda seconds: post_form(issuer + path, CLIENT_CREDENTIALS,
                                     basic(client.client_id, client.client_secret), pid, seconds)


def introspections(issuer: str, token_path: str, path: str, client: Credentials,
                   pid: int) -> Callable[[float], Run]:
    """One run of introspections of a fresh access token by the client it was issued to."""
    def run(seconds: float) -> Run:
        token = _access_token(issuer + token_path, client)
        return post_form(issuer + path, urlencode({"token": token}),
                         basic(client.client_id, client.client_secret), pid, seconds)
    return run


def token_sides(provider: Provider, service: Credentials,
                peers: list[Peer]) -> dict[str, Callable[[float], Run]]:
    """here, then each peer (opaque, JWT access tokens)."""
    sides = {"here": tokens(provider.issuer, "/token", service, provider.pid)}
    for peer in peers:
        sides[f"oidc-provider ({peer.token_format})"] = tokens(
            peer.issuer, peer.token_path, peer.client, peer.pid)
    return sides


def introspection_sides(provider: Provider, service: Credentials,
                        peer: Peer) -> dict[str, Callable[[float], Run]]:
    """here, then the peer with opaque access tokens."""
    return {
        "here": introspections(provider.issuer, "/token", "/introspect", service, provider.pid),
        f"oidc-provider ({peer.token_format})": introspections(
            peer.issuer, peer.token_path, peer.introspection_path, peer.client, peer.pid),
    }
