"""Signing keys: generation, rotation, and the in-memory key ring that signs and publishes.

Each configured algorithm (RS256, ES256) has one *active* key that signs, one *next* key that is
already published so clients cache it before it signs, and *retired* keys that stay published
until what they signed has expired. Private keys are stored as PKCS#8 PEM encrypted with a
passphrase derived from SECRET_KEY; they are never served. A key encrypted under one of
PREVIOUS_SECRET_KEYS is still read, and ``reseal_signing_keys`` encrypts it under SECRET_KEY.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from joserfc.jwk import ECKey, KeySet, RSAKey

from .. import audit
from ..extensions import db
from ..models import KeyState, SigningKey
from ..models.base import utcnow
from ..security import Resealed, derived_key, secret_keys

LABEL = b"idp signing keys at rest"


class SigningKeyUnreadable(RuntimeError):
    """A private signing key was encrypted under none of SECRET_KEY and PREVIOUS_SECRET_KEYS."""


def _passphrases() -> list[bytes]:
    """The passphrase of each configured key, SECRET_KEY's (the one that encrypts) first."""
    return [derived_key(key, LABEL) for key in secret_keys()]


def _private_key(row: SigningKey, passphrases: list[bytes]) -> tuple[Any, int]:
    """The private key of ``row`` and the index of the passphrase that opened it."""
    key_type = ECKey if row.alg == "ES256" else RSAKey
    for index, passphrase in enumerate(passphrases):
        try:
            return key_type.import_key(row.encrypted_private_key, password=passphrase), index
        except ValueError:  # another passphrase
            continue
    raise SigningKeyUnreadable(
        f"the private key {row.kid} ({row.alg}) was encrypted under a key that is neither "
        "SECRET_KEY nor one of PREVIOUS_SECRET_KEYS: put the SECRET_KEY it was made under in "
        "PREVIOUS_SECRET_KEYS")


def _generate(alg: str, state: KeyState) -> SigningKey:
    if alg == "ES256":
        key = ECKey.generate_key("P-256", private=True)
    else:
        key = RSAKey.generate_key(current_app.config["RSA_KEY_SIZE"], private=True)
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "alg": alg, "use": "sig"}
    now = utcnow()
    row = SigningKey(
        kid=kid,
        alg=alg,
        state=state.value,
        public_jwk=public,
        encrypted_private_key=key.as_pem(private=True, password=_passphrases()[0]).decode("ascii"),
        activated_at=now if state is KeyState.ACTIVE else None,
    )
    db.session.add(row)
    return row


def _retention() -> timedelta:
    """How long a retired key stays published: the longest life of anything it signed."""
    config = current_app.config
    return timedelta(
        seconds=max(config["ID_TOKEN_TTL_SECONDS"], config["ACCESS_TOKEN_TTL_SECONDS"])
        + config["KEYS_CACHE_SECONDS"]
        + config["CLOCK_SKEW_SECONDS"]
    )


def rotate_keys() -> list[SigningKey]:
    """Rotate every configured algorithm: next becomes active, active retires, a new next.

    A key is published (as *next*) one rotation before it signs, so clients that cache the JWKS
    already know it when it starts signing. Returns the keys that now sign.
    """
    now = utcnow()
    activated = []
    for alg in current_app.config["SIGNING_ALGS"]:
        rows = db.session.scalars(
            db.select(SigningKey)
            .where(SigningKey.alg == alg, SigningKey.state != KeyState.RETIRED.value)
            .with_for_update()
        ).all()
        for row in rows:
            if row.state == KeyState.ACTIVE.value:
                row.state = KeyState.RETIRED.value
                row.retired_at = now
                row.publish_until = now + _retention()
        upcoming = next((r for r in rows if r.state == KeyState.NEXT.value), None)
        if upcoming is None:
            upcoming = _generate(alg, KeyState.ACTIVE)
        upcoming.state = KeyState.ACTIVE.value
        upcoming.activated_at = now
        _generate(alg, KeyState.NEXT)
        activated.append(upcoming)
        audit.record("keys.rotated", alg=alg, kid=upcoming.kid)
    db.session.commit()  # stored before any cache is told to load them
    key_ring(current_app).invalidate()
    return activated


def reseal_signing_keys() -> Resealed:
    """Encrypt under SECRET_KEY every private key that signs or will sign and is still
    encrypted under one of PREVIOUS_SECRET_KEYS, after a rotation (the caller commits).
    Unreadable ones stay as they are; retired ones sign no more and are left alone."""
    passphrases = _passphrases()
    moved = unreadable = 0
    for row in db.session.scalars(
        db.select(SigningKey).where(SigningKey.state != KeyState.RETIRED.value)
    ):
        try:
            private, opened_with = _private_key(row, passphrases)
        except SigningKeyUnreadable:
            unreadable += 1
            continue
        if opened_with:
            row.encrypted_private_key = private.as_pem(
                private=True, password=passphrases[0]).decode("ascii")
            moved += 1
    db.session.flush()
    return Resealed(moved, unreadable)


def ensure_keys() -> None:
    """Create the first keys of any configured algorithm that has no active key."""
    active = set(
        db.session.scalars(
            db.select(SigningKey.alg).where(SigningKey.state == KeyState.ACTIVE.value)
        )
    )
    missing = [alg for alg in current_app.config["SIGNING_ALGS"] if alg not in active]
    if not missing:
        return
    for alg in missing:
        _generate(alg, KeyState.ACTIVE)
        _generate(alg, KeyState.NEXT)
        audit.record("keys.created", alg=alg)
    db.session.commit()  # stored before a token is signed with them, whatever the request does


@dataclass(frozen=True)
class _Snapshot:
    loaded_at: float
    signing: dict[str, tuple[str, Any]]  # alg -> (kid, private joserfc key)
    jwks: dict[str, Any]
    public: KeySet


class KeyRing:
    """The published and signing keys of one app, read from the database at most once per
    KEYS_CACHE_SECONDS: JWKS and signatures are served from memory."""

    def __init__(self) -> None:
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget the cached keys (after a rotation in this process)."""
        self._snapshot = None

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        ttl = current_app.config["KEYS_CACHE_SECONDS"]
        if snapshot is None or time.monotonic() - snapshot.loaded_at > ttl:
            with self._lock:
                snapshot = self._snapshot
                if snapshot is None or time.monotonic() - snapshot.loaded_at > ttl:
                    snapshot = self._snapshot = self._load()
        return snapshot

    def _load(self) -> _Snapshot:
        ensure_keys()
        now = utcnow()
        rows = db.session.scalars(
            db.select(SigningKey)
            .where(
                (SigningKey.state != KeyState.RETIRED.value) | (SigningKey.publish_until > now)
            )
            .order_by(SigningKey.id)
        ).all()
        passphrases = _passphrases()
        signing = {}
        for row in rows:
            if row.state == KeyState.ACTIVE.value:
                signing[row.alg] = (row.kid, _private_key(row, passphrases)[0])
        jwks = {"keys": [row.public_jwk for row in rows]}
        return _Snapshot(time.monotonic(), signing, jwks, KeySet.import_key_set(jwks))

    def signing_key(self, alg: str) -> tuple[str, Any]:
        """(kid, private key) of the key that signs with ``alg`` now."""
        return self._current().signing[alg]

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set to publish (active, next and still-valid retired keys)."""
        return self._current().jwks

    def public_keys(self) -> KeySet:
        """The published keys, to verify tokens this provider signed (e.g. id_token_hint)."""
        return self._current().public


def signing_alg(client) -> str:
    """The algorithm of a client's ID and logout tokens: its registered one while the provider
    still keeps a key for it, else the default."""
    config = current_app.config
    alg = client.id_token_signed_response_alg
    return alg if alg in config["SIGNING_ALGS"] else config["DEFAULT_ID_TOKEN_ALG"]


def key_ring(app: Flask) -> KeyRing:
    """The key ring of ``app``."""
    return app.extensions.setdefault("idp_key_ring", KeyRing())
