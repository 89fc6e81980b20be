"""What a person allowed a client that is not first-party to receive: the scopes granted on the
consent screen, remembered so that it is not asked again (the protocol reads them)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import scope_to_list

from .. import audit
from ..extensions import db
from ..models import Consent
from ..models.base import utcnow


def consent_of(user_id: int, client_id: str) -> Consent | None:
    """The person's consent to the client, if they ever gave one."""
    return db.session.scalar(
        db.select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id))


def grant_consent(user_id: int, client_id: str, scope: str) -> Consent:
    """Add ``scope`` to what the person allows the client (audited; the caller commits)."""
    record = consent_of(user_id, client_id)
    if record is None:
        record = Consent(user_id=user_id, client_id=client_id, scope=scope)
        db.session.add(record)
    else:
        granted = set(scope_to_list(record.scope)) | set(scope_to_list(scope))
        record.scope = " ".join(sorted(granted))
    record.granted_at = utcnow()
    audit.record("consent.granted", user_id=user_id, client_id=client_id, scope=scope)
    return record
