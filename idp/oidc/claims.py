"""Claims about a person: by scope, and by the OpenID Connect ``claims`` request parameter."""

from __future__ import annotations

import json
from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError, scope_to_list

from ..accounts.mailboxes import mailboxes_for
from ..models import User

SCOPE_CLAIMS = {
    "profile": ("name", "given_name", "family_name", "preferred_username"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
    "mailboxes": ("mailboxes",),
}
USER_CLAIMS = ("sub",) + tuple(c for claims in SCOPE_CLAIMS.values() for c in claims)
# Claims about the authentication itself, which the claims parameter may ask for in the ID token.
AUTHENTICATION_CLAIMS = ("acr", "amr", "auth_time")
MAX_CLAIMS_PARAMETER = 4096


def parse_claims_parameter(raw: str | None) -> dict[str, dict[str, Any]] | None:
    """The ``claims`` request parameter as {"userinfo": {...}, "id_token": {...}}, or None.

    Raises invalid_request when it is not a JSON object of that shape.
    """
    if not raw:
        return None
    if len(raw) > MAX_CLAIMS_PARAMETER:
        raise InvalidRequestError("The 'claims' parameter is too long.")
    try:
        value = json.loads(raw)
    except ValueError:
        raise InvalidRequestError("The 'claims' parameter is not valid JSON.") from None
    if not isinstance(value, dict):
        raise InvalidRequestError("The 'claims' parameter must be a JSON object.")
    parsed = {}
    for member in ("userinfo", "id_token"):
        requested = value.get(member) or {}
        if not isinstance(requested, dict) or not all(
            _valid_claim_spec(spec) for spec in requested.values()
        ):
            raise InvalidRequestError(
                f"The 'claims.{member}' member must map claim names to null or to an object "
                "with an optional boolean 'essential' and an optional list 'values'."
            )
        parsed[member] = requested
    return parsed


def _valid_claim_spec(spec: Any) -> bool:
    if spec is None:
        return True
    return (
        isinstance(spec, dict)
        and isinstance(spec.get("essential", False), bool)
        and isinstance(spec.get("values", []), list)
    )


def requested_acr_values(claims: dict[str, dict[str, Any]] | None) -> list[str]:
    """acr values asked for as essential in the claims parameter's id_token member."""
    spec = ((claims or {}).get("id_token") or {}).get("acr") or {}
    if not spec.get("essential"):
        return []
    values = spec.get("values") or ([spec["value"]] if "value" in spec else [])
    return [v for v in values if isinstance(v, str)]


def user_claims(user: User, names: set[str]) -> dict[str, Any]:
    """The values of the named claims for ``user`` (unknown names are ignored)."""
    values: dict[str, Any] = {"sub": user.subject}
    if names & {"name", "given_name", "family_name", "preferred_username"}:
        values.update(
            name=user.name,
            given_name=user.given_name,
            family_name=user.family_name,
            preferred_username=user.email,
        )
    if names & {"email", "email_verified"}:
        values.update(email=user.email, email_verified=True)
    if names & {"phone_number", "phone_number_verified"} and user.phone:
        values.update(phone_number=user.phone, phone_number_verified=True)
    if "mailboxes" in names:
        values["mailboxes"] = mailboxes_for(user.id)
    return {k: v for k, v in values.items() if k == "sub" or k in names}


def userinfo_claims(user: User, scope: str, claims: dict | None) -> dict[str, Any]:
    """Claims for the userinfo endpoint: those of the granted scopes plus those requested."""
    names = {c for s in scope_to_list(scope or "") for c in SCOPE_CLAIMS.get(s, ())}
    names |= set(((claims or {}).get("userinfo") or {}).keys()) & set(USER_CLAIMS)
    return user_claims(user, names)


def id_token_user_claims(user: User, claims: dict | None) -> dict[str, Any]:
    """Claims about the person put in the ID token: sub, plus those the claims parameter asked."""
    names = set(((claims or {}).get("id_token") or {}).keys()) & set(USER_CLAIMS)
    return user_claims(user, names)
