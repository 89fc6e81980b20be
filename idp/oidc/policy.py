"""Interaction policy: does this authorization request need the person, and for what?

A list of named checks, each a few lines, evaluated in order (as in node-oidc-provider). The
first that fails names the prompt the sign-in screens must satisfy: ``login`` (identify the
person), ``mfa`` (add a second factor to an existing session) or ``consent``.

Freshness (``max_age``) is met by the person's latest active authentication, and a session's
``auth_time`` is the time of its latest one: the password, or a second factor added later. When a
request that needs ``mfa`` finds that time too old, the second factor alone is asked again: the
session already binds the person, and a fresh proof of possession is what the client wants (the
per-level freshness of Keycloak's "level of authentication max age", Okta's factor
re-authentication). ``prompt=login``, and ``max_age`` on a request that needs only ``pwd`` or
on a session brokered by an upstream (amr ``fed``), go back to the sign-in screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list

from ..accounts.consents import consent_of
from ..models import AuthorizationRequest, Client, SsoSession
from ..models.base import utcnow
from .claims import requested_acr_values

ACR_LEVELS = {"pwd": 1, "mfa": 2}


def acr_at_least(acr: str | None, level: str) -> bool:
    """Whether an authentication at ``acr`` satisfies ``level`` (an unknown acr satisfies none)."""
    return ACR_LEVELS.get(acr or "", 0) >= ACR_LEVELS[level]


@dataclass(frozen=True)
class Context:
    """What the checks look at: the request, the client, the browser's session."""

    client: Client
    scope: str
    prompts: list[str]
    max_age: int | None
    acr_values: list[str]
    claims: dict[str, Any] | None
    hinted_subject: str | None
    session: SsoSession | None
    pending: AuthorizationRequest | None


@dataclass(frozen=True)
class Need:
    """A failed check: the prompt to satisfy and why (recorded for support)."""

    prompt: str
    reason: str


def required_acr(ctx: Context) -> str:
    """The weakest level that satisfies both the client's minimum and what the request asks."""
    level = ACR_LEVELS.get(ctx.client.min_acr, ACR_LEVELS["mfa"])
    asked = [ACR_LEVELS[v] for v in ctx.acr_values + requested_acr_values(ctx.claims)
             if v in ACR_LEVELS]
    if asked:
        level = max(level, min(asked))
    return next(name for name, value in ACR_LEVELS.items() if value == level)


def _authenticated_during(ctx: Context) -> bool:
    """True when the session was established after this request was parked."""
    return ctx.pending is not None and ctx.session.auth_time >= ctx.pending.created_at


def no_session(ctx: Context) -> Need | None:
    return Need("login", "no_session") if ctx.session is None else None


def prompt_login(ctx: Context) -> Need | None:
    if "login" in ctx.prompts and not _authenticated_during(ctx):
        return Need("login", "prompt_login")
    return None


def max_age(ctx: Context) -> Need | None:
    if ctx.max_age is None or _authenticated_during(ctx):
        return None
    limit: datetime = ctx.session.auth_time + timedelta(seconds=ctx.max_age)
    if utcnow() < limit:
        return None
    local_mfa = required_acr(ctx) == "mfa" and "fed" not in ctx.session.amr
    return Need("mfa" if local_mfa else "login", "max_age")


def id_token_hint(ctx: Context) -> Need | None:
    if ctx.hinted_subject and ctx.hinted_subject != ctx.session.user.subject:
        return Need("login", "id_token_hint_other_user")
    return None


def acr_not_met(ctx: Context) -> Need | None:
    if not acr_at_least(ctx.session.acr, required_acr(ctx)):
        return Need("mfa", "acr")
    return None


def consent_missing(ctx: Context) -> Need | None:
    if ctx.client.first_party:
        return None
    consent = consent_of(ctx.session.user_id, ctx.client.client_id)
    if consent is None or not set(scope_to_list(ctx.scope)) <= set(scope_to_list(consent.scope)):
        return Need("consent", "no_consent")
    if "consent" in ctx.prompts and not (
        ctx.pending is not None and consent.granted_at >= ctx.pending.created_at
    ):
        return Need("consent", "prompt_consent")
    return None


CHECKS: list[Callable[[Context], Need | None]] = [
    no_session, prompt_login, id_token_hint, max_age, acr_not_met, consent_missing,
]


def evaluate(ctx: Context) -> Need | None:
    """The first unmet check, or None when a code can be issued now."""
    for check in CHECKS:
        need = check(ctx)
        if need is not None:
            return need
    return None
