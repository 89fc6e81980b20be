"""The password policy: long enough, not absurdly long, not a known breached password, and not
built on the person's own identifier. One list of French reasons, used wherever a password is
chosen (account creation, reset)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from ..errors import ValidationError
from .passwords import MAX_PASSWORD_LENGTH

BREACHED_LIST = Path(__file__).resolve().parent.parent / "data" / "breached_passwords.txt"


class PasswordRefused(ValidationError):
    """A password that breaks the policy; ``reasons`` says each rule broken (French)."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@cache
def breached_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords, lower-cased (read once)."""
    lines = BREACHED_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, identifier: str) -> list[str]:
    """Why ``password`` may not be chosen by the account ``identifier`` (empty when it may)."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [gettext("Le mot de passe doit contenir au moins %(minimum)s caractères.",
                        minimum=minimum)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [gettext("Le mot de passe est trop long (%(maximum)s caractères au plus).",
                        maximum=MAX_PASSWORD_LENGTH)]
    problems = []
    lowered = password.lower()
    if lowered in breached_passwords():
        problems.append(gettext("Ce mot de passe figure dans une liste de mots de passe "
                                "divulgués ou trop courants : choisissez-en un autre."))
    identifier = identifier.strip().lower()
    if any(part and part in lowered for part in (identifier, identifier.split("@")[0])):
        problems.append(gettext("Le mot de passe ne doit pas contenir votre identifiant."))
    return problems


def enforce(password: str, identifier: str) -> None:
    """Raise PasswordRefused when ``password`` breaks the policy for ``identifier``."""
    problems = password_problems(password, identifier)
    if problems:
        raise PasswordRefused(problems)
