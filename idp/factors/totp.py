"""Google Authenticator (TOTP, RFC 6238): SHA-1, 6 digits, 30-second steps, as the apps expect.

A code is accepted for the current step or one step either side (a phone a few seconds off).
Each step works once: the last step accepted is stored, and a step not after it is refused by
the same conditional UPDATE that records it, so two processes cannot both accept one code. The
secret is stored encrypted (``secrets_at_rest``).

At sign-in every refused code gets the same answer, which mentions the phone's clock. Saying
that a code matched a step further away would hand an attacker a code that works when that
step comes (up to CLOCK_OFF_STEPS ahead): each guess would cover about seven times more steps
than the ones accepted now. Only the enrolment, where the person already sees the secret, says
that the first code is the phone's code for another time (warehouse's clearer message).

The person enrols from the account page: ``start_enrolment`` keeps a new secret aside,
``confirm`` turns it on with a first code, ``remove`` takes it away.

A secret sealed under a SECRET_KEY that is neither the current one nor one of
PREVIOUS_SECRET_KEYS cannot be read: the authenticator is then not offered at sign-in (the
person is told to use another factor and enrol again), the log says why, and a waiting
enrolment gets a new secret. ``reseal_secrets`` moves every secret under the current key.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import pyotp
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, update

from .. import audit
from ..extensions import db
from ..models import OtpChallenge, TotpCredential, User
from ..models.base import utcnow
from ..security import Resealed
from . import secrets_at_rest
from .otp import CODE_DIGITS, Verdict

INTERVAL_SECONDS = 30
DRIFT_STEPS = 1
CLOCK_OFF_STEPS = 20  # ten minutes either way: beyond, a code is simply wrong

REFUSALS = {
    "wrong": _l("Code incorrect. Saisissez le code affiché par Google Authenticator ; s'il est "
                "encore refusé, vérifiez que votre téléphone est réglé sur l'heure automatique "
                "(réseau)."),
    "replayed": _l("Ce code a déjà été utilisé. Attendez le code suivant de Google "
                   "Authenticator."),
    "clock_off": _l("Ce code ne correspond pas à l'heure actuelle : l'horloge de votre "
                    "téléphone semble décalée. Réglez-la sur l'heure automatique (réseau), puis "
                    "saisissez le nouveau code."),  # enrolment only: the secret is on screen
    "unavailable": _l("Google Authenticator ne peut pas être utilisé pour ce compte : "
                      "activez-le depuis votre espace personnel après vous être connecté par "
                      "Email ou SMS."),
}


class Authenticator:
    """TOTP from an authenticator app: nothing is sent, so ``begin`` starts no challenge."""

    name = "totp"
    label = "Google Authenticator"
    amr = ("otp",)

    def available(self, user: User) -> bool:
        credential = confirmed_credential(user)
        return credential is not None and readable_secret(credential) is not None

    def missing_help(self, user: User) -> str:
        if confirmed_credential(user) is not None:  # unreadable since SECRET_KEY changed
            return gettext("Google Authenticator ne peut plus être utilisé pour ce compte : "
                           "connectez-vous par Email ou SMS, puis désactivez-le et activez-le "
                           "à nouveau depuis votre espace personnel.")
        return gettext("Google Authenticator n'est pas activé pour ce compte : connectez-vous "
                       "par Email ou SMS, puis activez-le depuis votre espace personnel.")

    def begin(self, user: User) -> OtpChallenge | None:
        return None

    def verify(self, user: User, challenge: OtpChallenge | None, code: str) -> Verdict:
        credential = confirmed_credential(user)
        verdict = check_code(credential, code) if credential else Verdict(False, "unavailable")
        db.session.commit()  # the step used is settled at once: the same code works once
        return verdict

    @staticmethod
    def refusal(verdict: Verdict) -> str:
        """What to tell the person whose code was refused, in their language."""
        return str(REFUSALS.get(verdict.reason, REFUSALS["wrong"]))


def check_code(credential: TotpCredential, code: str, now: float | None = None,
               clock_reach: int = 0) -> Verdict:
    """Accept ``code`` once if it belongs to a step within the drift (the caller commits).

    A refused code is ``clock_off`` rather than ``wrong`` when it belongs to a step within
    ``clock_reach`` steps: only for a person who already holds the secret (the enrolment)."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        return Verdict(False, "wrong")
    secret = readable_secret(credential)
    if secret is None:  # the person must enrol again
        return Verdict(False, "unavailable")
    step = _matching_step(secret, code, DRIFT_STEPS, now)
    if step is None:
        clock_off = (clock_reach > DRIFT_STEPS
                     and _matching_step(secret, code, clock_reach, now) is not None)
        return Verdict(False, "clock_off" if clock_off else "wrong")
    accepted = db.session.execute(
        update(TotpCredential)
        .where(TotpCredential.id == credential.id,
               or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step))
        .values(last_step=step)
    ).rowcount
    return Verdict(True) if accepted else Verdict(False, "replayed")


def _matching_step(secret: str, code: str, reach: int, now: float | None) -> int | None:
    """The time step within ``reach`` steps of now whose code is ``code``, nearest first."""
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, digest=hashlib.sha1, interval=INTERVAL_SECONDS)
    current = int((time.time() if now is None else now) // INTERVAL_SECONDS)
    for offset in sorted(range(-reach, reach + 1), key=abs):
        if hmac.compare_digest(totp.generate_otp(current + offset), code):
            return current + offset
    return None


def readable_secret(credential: TotpCredential) -> str | None:
    """The credential's secret; None, and a warning in the log, when no configured key can
    read it (SECRET_KEY changed and the one it replaced is not in PREVIOUS_SECRET_KEYS)."""
    try:
        return secrets_at_rest.decrypt(credential.encrypted_secret)
    except secrets_at_rest.InvalidToken:
        current_app.logger.warning(
            "authenticator secret of user %s unreadable: sealed under a key that is neither "
            "SECRET_KEY nor one of PREVIOUS_SECRET_KEYS", credential.user_id)
        return None


def credential_of(user: User) -> TotpCredential | None:
    """The person's authenticator, confirmed or still being enrolled."""
    return db.session.scalar(db.select(TotpCredential).where(TotpCredential.user_id == user.id))


def confirmed_credential(user: User) -> TotpCredential | None:
    """The person's authenticator once confirmed by a first code."""
    credential = credential_of(user)
    return credential if credential and credential.confirmed_at else None


def start_enrolment(user: User) -> TotpCredential:
    """Keep a new secret aside for the person (or the one already waiting for its first code)."""
    credential = credential_of(user)
    if credential is None:
        credential = TotpCredential(user_id=user.id,
                                    encrypted_secret=secrets_at_rest.encrypt(pyotp.random_base32()))
        db.session.add(credential)
        db.session.flush()
    elif not credential.confirmed_at and readable_secret(credential) is None:
        credential.encrypted_secret = secrets_at_rest.encrypt(pyotp.random_base32())
    return credential


def confirm(user: User, code: str) -> Verdict:
    """Turn on the waiting authenticator when ``code`` is right; its step is then used."""
    credential = credential_of(user)
    if credential is None or credential.confirmed_at:
        return Verdict(False, "unavailable")
    verdict = check_code(credential, code, clock_reach=CLOCK_OFF_STEPS)
    if verdict.ok:
        credential.confirmed_at = utcnow()
        audit.record("totp.enabled", user_id=user.id)
    return verdict


def remove(user: User) -> bool:
    """Take the person's authenticator away; False when there was none."""
    removed = db.session.execute(
        delete(TotpCredential).where(TotpCredential.user_id == user.id)
    ).rowcount
    if removed:
        audit.record("totp.removed", user_id=user.id)
    return bool(removed)


def reseal_secrets() -> Resealed:
    """Seal every authenticator secret under SECRET_KEY, after a rotation (the caller
    commits); the unreadable ones stay as they are."""
    moved = unreadable = 0
    for credential in db.session.scalars(db.select(TotpCredential)):
        try:
            sealed = secrets_at_rest.resealed(credential.encrypted_secret)
        except secrets_at_rest.InvalidToken:
            unreadable += 1
            continue
        if sealed is not None:
            credential.encrypted_secret = sealed
            moved += 1
    db.session.flush()
    return Resealed(moved, unreadable)


def enrolment_secret(credential: TotpCredential) -> str:
    """The secret to type by hand, in groups of four characters."""
    secret = secrets_at_rest.decrypt(credential.encrypted_secret)
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def enrolment_qr_svg(credential: TotpCredential, user: User) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no style: fits the CSP)."""
    import segno  # loaded by the first enrolment only: most workers never draw a QR code

    secret = secrets_at_rest.decrypt(credential.encrypted_secret)
    uri = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=INTERVAL_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config["TOTP_ISSUER_NAME"]
    )
    return segno.make(uri, error="m").svg_inline(
        scale=5, dark="#000", light="#fff",
        title=gettext("QR code à scanner avec Google Authenticator"),
    )
