"""Public URLs of the provider's own pages, built from the issuer (never from a request's Host
header, which a client can forge)."""

from __future__ import annotations

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The public URL of a view of this app, under the issuer."""
    path = current_app.url_map.bind("").build(endpoint, values)
    return current_app.config["ISSUER"] + path
