"""Upstream OpenID providers from the settings: the Pro Santé Connect preset (PSC_*) and any
other under UPSTREAMS. Pure data, read once; no request is made here. It sits beside
``settings`` (which checks it at start-up), below the federation that uses it and the sign-in
screen that offers its buttons."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PSC = "psc"
LOCAL_LEVELS = ("pwd", "mfa")
NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
REQUIRED = ("label", "discovery_url", "client_id", "client_secret")
OPTIONAL = ("scope", "acr_values", "acr_map", "identity_claim")


class UpstreamConfigError(ValueError):
    """An upstream is configured with a missing or malformed value."""


@dataclass(frozen=True)
class Upstream:
    """One upstream provider: where it is, how we are known there, what we ask and accept."""

    name: str  # in our URLs: /federation/<name>/callback
    label: str
    discovery_url: str
    client_id: str
    client_secret: str
    scope: str = "openid"
    acr_values: str = ""  # asked for in the authorization request
    acr_map: Mapping[str, str] = field(default_factory=dict)  # upstream acr -> local acr
    identity_claim: str = "sub"  # the claim linked to a local account

    def local_acr(self, upstream_acr: Any) -> str | None:
        """The local level an upstream acr gives, or None when it is absent or not accepted."""
        return self.acr_map.get(upstream_acr) if isinstance(upstream_acr, str) else None


def psc_preset(settings: Mapping[str, Any]) -> Upstream:
    """Pro Santé Connect: scope_all, eIDAS levels (eidas1 asked, mapped to mfa), the national
    identifier (SubjectNameID) as the link to a local account."""
    return Upstream(
        name=PSC,
        label="Pro Santé Connect",
        discovery_url=settings["PSC_DISCOVERY_URL"],
        client_id=settings["PSC_CLIENT_ID"],
        client_secret=settings["PSC_CLIENT_SECRET"],
        scope="openid scope_all",
        acr_values="eidas1",
        acr_map={"eidas1": "mfa", "eidas2": "mfa", "eidas3": "mfa"},
        identity_claim="SubjectNameID",
    )


def configured_upstreams(settings: Mapping[str, Any]) -> dict[str, Upstream]:
    """Every upstream the settings enable, by name (PSC when PSC_CLIENT_ID is set)."""
    found: dict[str, Upstream] = {}
    if settings["PSC_CLIENT_ID"]:
        found[PSC] = psc_preset(settings)
    for name, entry in settings["UPSTREAMS"].items():
        if name == PSC or not NAME.match(name):
            raise UpstreamConfigError(
                f"UPSTREAMS: {name!r} must be a short lowercase name other than 'psc'")
        found[name] = _upstream(name, entry)
    for upstream in found.values():
        if not upstream.discovery_url.startswith(("https://", "http://")):
            raise UpstreamConfigError(
                f"{upstream.name}: the discovery URL must be an http(s) URL")
        if not upstream.client_secret:
            raise UpstreamConfigError(f"{upstream.name}: a client secret is required")
    return found


def _upstream(name: str, entry: Any) -> Upstream:
    if not isinstance(entry, Mapping):
        raise UpstreamConfigError(f"UPSTREAMS.{name} must be a table")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    missing = [key for key in REQUIRED if not entry.get(key)]
    if unknown or missing:
        raise UpstreamConfigError(
            f"UPSTREAMS.{name}: unknown keys {sorted(unknown)}, missing keys {missing}")
    acr_map = entry.get("acr_map", {})
    if not isinstance(acr_map, Mapping) or not all(
            isinstance(k, str) and v in LOCAL_LEVELS for k, v in acr_map.items()):
        raise UpstreamConfigError(
            f"UPSTREAMS.{name}.acr_map must map upstream acr values to 'pwd' or 'mfa'")
    values = {key: entry[key] for key in OPTIONAL if key in entry}
    if not all(isinstance(values.get(k, ""), str) for k in ("scope", "acr_values",
                                                            "identity_claim")):
        raise UpstreamConfigError(f"UPSTREAMS.{name}: scope, acr_values, identity_claim are text")
    if "openid" not in values.get("scope", "openid").split():
        raise UpstreamConfigError(f"UPSTREAMS.{name}.scope must include openid")
    if values.get("identity_claim") == "email":
        raise UpstreamConfigError(
            f"UPSTREAMS.{name}.identity_claim: never link accounts by e-mail address")
    return Upstream(name=name, **{k: str(entry[k]) for k in REQUIRED}, **values)
