"""A person signed in here with two factors links their upstream identity themselves (from the
account page, through the upstream): the one function that finishes it."""

from __future__ import annotations

from ..accounts.federated_identities import link_identity
from ..models import SsoSession
from ..sessions.sso import remember_upstream_login
from ..upstreams import Upstream
from .client import UpstreamAnswer


def link_signed_in_person(sso: SsoSession, upstream: Upstream, answer: UpstreamAnswer) -> None:
    """Link ``answer``'s identity to the account signed in as ``sso`` and keep the upstream
    sign-in behind the session (its logout follows ours). Raises IdpError when the identity
    belongs to another account (the caller commits, or rolls back)."""
    link_identity(sso.user, upstream.name, answer.subject, linked_by="self")
    remember_upstream_login(sso, upstream.name, answer.id_token, answer.end_session_endpoint)
