"""Organisations (structures): creation and lookup."""

from __future__ import annotations

from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import Organisation
from . import validation


def create_organisation(code: str, name: str) -> Organisation:
    """Create an organisation identified by ``code`` (e.g. a FINESS number)."""
    code = validation.organisation_code(code)
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise ValidationError("Le nom de la structure est obligatoire (255 caractères au plus).")
    if db.session.scalar(db.select(Organisation.id).where(Organisation.code == code)):
        raise Conflict(f"La structure « {code} » existe déjà.")
    organisation = Organisation(code=code, name=name)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", code=code, name=name)
    return organisation


def get_organisation(code: str) -> Organisation:
    """The organisation with this code, or NotFound."""
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise NotFound(f"La structure « {code} » n'existe pas.")
    return organisation
