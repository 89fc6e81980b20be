"""Notification e-mails in bulk: a CSV file checked line by line, then applied only when every
line is valid; and the same file exported.

The file (UTF-8, with or without BOM; ``;`` or ``,`` between fields, guessed from the first
line) starts with a header naming its columns, in any order::

    adresse_mssante;email_notification;nom;telephone;structure

``adresse_mssante`` and ``email_notification`` are required. For an existing account the line
asks for a new notification address, which takes effect only once the link sent to it is
followed (``accounts.notification_email``); ``nom``, ``telephone`` and ``structure`` are then
ignored. An unknown address creates the account (``nom`` required, ``telephone`` and
``structure`` optional; a referent's structure is their own), and the person receives a link
to choose their password.

A dry run, or any rejected line, writes nothing at all: no account, no request, no e-mail, no
audit. Applying applies the lines one after the other, each in a savepoint: a line that fails
then (another request created the account meanwhile) is reported and the others still apply.
Its e-mails leave once the whole import is saved, from jobs (``idp worker``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts import validation
from ..accounts.notification_email import pending_change
from ..accounts.users import find_user
from ..errors import Conflict, IdpError, NotFound, ValidationError
from ..extensions import db
from ..models import Mailbox, User
from .accounts import change_notification_email, create_account
from .actors import READ, WRITE, Actor, organisation_for, require, user_for, users_visible_to

COLUMNS = ("adresse_mssante", "email_notification", "nom", "telephone", "structure")
REQUIRED = ("adresse_mssante", "email_notification")
# Within the app's 256 KiB request limit, once the web area sends the file back in base64 to
# apply it (4/3 of its size): about 2,000 accounts a file.
MAX_LINES = 2000
MAX_BYTES = 150_000

CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"
LABELS = {CREATED: "créé", UPDATED: "modifié", UNCHANGED: "inchangé", REJECTED: "refusé"}


@dataclass
class Line:
    """The outcome of one line of the file: ``number`` as a spreadsheet shows it (the header
    is line 1), ``outcome`` one of CREATED, UPDATED, UNCHANGED, REJECTED, ``reason`` in French."""

    number: int
    address: str
    outcome: str
    reason: str

    @property
    def label(self) -> str:
        """The outcome in French."""
        return LABELS[self.outcome]


@dataclass
class Report:
    """Every line of an import and whether it was applied (False: nothing was written)."""

    lines: list[Line]
    applied: bool = False

    def count(self, outcome: str) -> int:
        """How many lines ended with ``outcome``."""
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def has_rejections(self) -> bool:
        """True when at least one line is rejected."""
        return self.count(REJECTED) > 0

    def summary(self) -> str:
        """One French sentence about the whole import."""
        counts = ", ".join(_plural(self.count(outcome), LABELS[outcome]) for outcome in LABELS)
        if self.applied:
            return f"Import appliqué : {counts}."
        if self.has_rejections:
            return (f"Import refusé : {counts}. Rien n'a été écrit ; corrigez les lignes "
                    "refusées et recommencez.")
        return f"Simulation : {counts}. Rien n'a été écrit."


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file (UTF-8, with or without BOM), or ValidationError when it
    is too large or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_too_large())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("Le fichier doit être encodé en UTF-8 (dans un tableur : "
                              "enregistrer au format « CSV UTF-8 »).") from None


def import_csv(actor: Actor, text: str, apply: bool) -> Report:
    """Check every line of ``text``; when ``apply`` and no line is rejected, create the
    accounts and ask for the notification address changes. Raises ValidationError for a file
    that cannot be read at all (header, size, CSV syntax)."""
    require(actor, WRITE)
    names, rows = _read(text)
    seen: dict[str, int] = {}
    checked = [_check(actor, number, cells, names, seen) for number, cells in rows]
    report = Report([line for line, _ in checked])
    if not apply or report.has_rejections:
        return report
    for line, plan in checked:
        if plan.apply is None:
            continue
        try:
            with db.session.begin_nested():  # a failed line undoes itself, and its e-mails
                plan.apply()
        except IdpError as error:
            line.outcome, line.reason = REJECTED, f"Non appliquée : {error.message}"
        else:
            line.reason = plan.done
    report.applied = True
    audit.record("admin.notification_emails_imported", by=actor.name,
                 **{outcome: report.count(outcome) for outcome in LABELS})
    return report


def export_csv(actor: Actor, organisation: str | None = None) -> str:
    """The accounts ``actor`` may see (a referent: their organisation's), optionally of one
    organisation, in the import's format with ``;``; importing it back changes nothing."""
    require(actor, READ)
    query = (users_visible_to(actor).options(selectinload(User.organisation))
             .order_by(User.email))
    home = organisation_for(actor, organisation)
    if home is not None:
        query = query.where(User.organisation_id == home.id)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    for user in db.session.scalars(query):
        writer.writerow([user.email, user.notification_email, _spreadsheet_safe(user.name),
                         user.phone or "", user.organisation.code if user.organisation else ""])
    return out.getvalue()


@dataclass
class _Plan:
    """What a checked line would do: its outcome and reason and, for a creation or a change,
    the call that applies it and the reason once applied."""

    outcome: str
    reason: str
    apply: Callable[[], object] | None = None
    done: str = ""


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The column names of the header and the non-blank records with their line numbers."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ValidationError(_too_large())
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";" if ";" in first else ",")
    rows = []
    try:
        header = next(reader, None)
        names = _columns(header or [])
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_LINES:
                raise ValidationError(_too_large())
            rows.append((reader.line_num, cells))
    except csv.Error:
        raise ValidationError(
            f"Le fichier n'est pas un CSV lisible (ligne {reader.line_num}).") from None
    if not rows:
        raise ValidationError("Le fichier ne contient aucune ligne à importer après l'en-tête.")
    return names, rows


def _columns(header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    if (set(names) - set(COLUMNS) or len(set(names)) != len(names)
            or not set(REQUIRED) <= set(names)):
        raise ValidationError(
            f"La première ligne doit nommer les colonnes : {';'.join(COLUMNS)} "
            "(nom, telephone et structure sont facultatives ; séparateur « ; » ou « , »)."
        )
    return names


def _check(actor: Actor, number: int, cells: list[str], names: list[str],
           seen: dict[str, int]) -> tuple[Line, _Plan]:
    """Validate one record without writing anything."""
    values = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
    raw_address = values.get("adresse_mssante", "")
    try:
        if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names):]):
            raise ValidationError(f"La ligne a {len(cells)} colonnes, l'en-tête en nomme "
                                  f"{len(names)}.")
        address = validation.email_address(raw_address, "adresse MSSanté")
        if address in seen:
            raise ValidationError(f"Adresse déjà présente ligne {seen[address]}.")
        seen[address] = number
        if not values.get("email_notification"):
            raise ValidationError("L'adresse de notification est obligatoire.")
        notification = validation.email_address(values["email_notification"],
                                                "adresse de notification")
        if notification == address:
            raise ValidationError(
                "L'adresse de notification doit être différente de l'adresse MSSanté.")
        user = find_user(address)
        plan = (_change(actor, user, notification) if user
                else _creation(actor, address, notification, values))
    except IdpError as error:
        return Line(number, raw_address, REJECTED, error.message), _Plan(REJECTED, error.message)
    return Line(number, address, plan.outcome, plan.reason), plan


def _change(actor: Actor, user: User, notification: str) -> _Plan:
    """A line about an existing account: a change to ask for, or nothing to do."""
    if db.session.scalar(users_visible_to(actor).where(User.id == user.id)) is None:
        raise NotFound("Ce compte n'existe pas dans votre structure et son adresse n'est pas "
                       "disponible pour en créer un.")
    if notification == user.notification_email:
        return _Plan(UNCHANGED, f"{notification} est déjà l'adresse de notification.")
    user_for(actor, user.email, WRITE)  # a referent does not manage the platform's staff
    pending = pending_change(user)
    if pending is not None and pending.new_address == notification:
        return _Plan(UNCHANGED, f"Un changement vers {notification} attend déjà sa "
                                "confirmation.")
    return _Plan(
        UPDATED, f"Un lien de confirmation sera envoyé à {notification} ; l'adresse actuelle "
                 "reste valable jusqu'à son ouverture.",
        apply=lambda: change_notification_email(actor, user.email, notification),
        done=f"Lien de confirmation envoyé à {notification} ; l'adresse changera quand il "
             "aura été ouvert.",
    )


def _creation(actor: Actor, address: str, notification: str, values: dict[str, str]) -> _Plan:
    """A line about an unknown address: the account to create, if the line says enough."""
    name = values.get("nom", "")
    if not name:
        raise ValidationError("Ce compte n'existe pas : le nom est obligatoire pour le créer.")
    validation.display_name(name)
    phone = validation.phone_number(values.get("telephone") or None)
    home = organisation_for(actor, values.get("structure") or None)
    if db.session.scalar(db.select(Mailbox.id).where(Mailbox.address == address)):
        raise Conflict("Cette adresse est déjà celle d'une autre boîte aux lettres.")
    return _Plan(
        CREATED, f"Compte à créer ; un lien pour choisir le mot de passe sera envoyé à "
                 f"{notification}.",
        apply=lambda: create_account(actor, address, name, notification, phone=phone,
                                     organisation=home.code if home else None),
        done=f"Compte créé ; lien pour choisir le mot de passe envoyé à {notification}.",
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def _spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name starting with "=", "+"...)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _too_large() -> str:
    lines = f"{MAX_LINES:,}".replace(",", " ")
    return (f"Le fichier est trop volumineux : {lines} lignes et {MAX_BYTES // 1000} Ko "
            "au plus. Découpez-le en plusieurs fichiers.")
