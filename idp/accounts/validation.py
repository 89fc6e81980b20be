"""Checks on what people type: addresses, phone numbers, identifiers."""

from __future__ import annotations

import re

from ..errors import ValidationError

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ORG_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def email_address(value: str, what: str = "adresse") -> str:
    """A normalised (lower-case, trimmed) e-mail address, or ValidationError."""
    address = (value or "").strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise ValidationError(f"L'{what} « {value} » n'est pas une adresse e-mail valide.")
    return address


def phone_number(value: str | None) -> str | None:
    """A mobile number in E.164 form (+33612345678), None when empty, or ValidationError."""
    if not value:
        return None
    number = re.sub(r"[\s.-]", "", value)
    if not _E164.match(number):
        raise ValidationError(
            f"Le numéro « {value} » doit être au format international, par exemple +33612345678."
        )
    return number


def organisation_code(value: str) -> str:
    """A short organisation identifier (e.g. a FINESS number), or ValidationError."""
    code = (value or "").strip()
    if not _ORG_CODE.match(code):
        raise ValidationError(
            f"L'identifiant de structure « {value} » est invalide "
            "(lettres, chiffres, « . », « _ » ou « - », 64 caractères au plus)."
        )
    return code


def display_name(value: str) -> tuple[str, str]:
    """Split "Prénom Nom" into (given name, family name); ValidationError when empty."""
    parts = (value or "").strip().split(maxsplit=1)
    if not parts or any(len(p) > 128 for p in parts):
        raise ValidationError("Le nom est obligatoire (128 caractères au plus par partie).")
    return parts[0], parts[1] if len(parts) > 1 else ""


_NATIONAL_ID = re.compile(r"^[0-9A-Za-z]{1,64}$")


def national_identifier(value: str) -> str:
    """A health professional's national identifier as Pro Santé Connect sends it in
    SubjectNameID (e.g. 8 + the RPPS number), or ValidationError."""
    identifier = (value or "").strip()
    if not _NATIONAL_ID.match(identifier):
        raise ValidationError(
            f"L'identifiant national « {value} » est invalide (lettres et chiffres, 64 au plus, "
            "par exemple 810001234567)."
        )
    return identifier
