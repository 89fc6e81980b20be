"""Factors that send a one-time code: by e-mail to the notification address, or by SMS."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..delivery.channel import Message
from ..delivery.emails import notification_email
from ..models import OtpChallenge, User
from . import otp

ENDED = {
    "too_many_attempts": _l("Trop d'essais : ce code n'est plus valable. Demandez un nouveau "
                            "code."),
    "expired": _l("Ce code a expiré. Demandez un nouveau code."),
    "superseded": _l("Un code plus récent a été demandé : ce code n'est plus valable."),
}


class _SentCode:
    """What the e-mail and SMS factors share: the challenge mechanism of ``otp``."""

    name: str

    def begin(self, user: User) -> OtpChallenge:
        return otp.begin(user, self.name, self.compose)

    def verify(self, user: User, challenge: OtpChallenge | None, code: str) -> otp.Verdict:
        return otp.verify(challenge, code)

    @staticmethod
    def refusal(verdict: otp.Verdict) -> str:
        """What to tell the person whose code was refused, in their language."""
        if verdict.reason == "wrong":
            return gettext("Code incorrect. Il vous reste %(attempts)s essai(s).",
                           attempts=verdict.attempts_left)
        return str(ENDED.get(verdict.reason,
                           _l("Ce code n'est plus valable. Demandez un nouveau code.")))

    @staticmethod
    def compose(user: User, code: str) -> Message:
        raise NotImplementedError


class CodeByEmail(_SentCode):
    """A code sent to the person's notification e-mail (never to the MSSanté address)."""

    name = "email"
    label = "Email"
    amr = ("otp",)

    def available(self, user: User) -> bool:
        return bool(user.notification_email)

    def missing_help(self, user: User) -> str:
        return gettext("Aucune adresse de notification : demandez à votre référent MSSanté de "
                       "l'ajouter.")

    @staticmethod
    def compose(user: User, code: str) -> Message:
        """The e-mail of the user guide: plain text and HTML."""
        return notification_email(user, gettext("Connexion à votre compte MSSanté"), "otp_code",
                                  code=code)


class CodeBySms(_SentCode):
    """A code sent by SMS to the person's mobile number."""

    name = "sms"
    label = "SMS"
    amr = ("sms",)

    def available(self, user: User) -> bool:
        return bool(user.phone)

    def missing_help(self, user: User) -> str:
        return gettext("Aucun numéro de mobile : demandez à votre référent MSSanté de l'ajouter.")

    @staticmethod
    def compose(user: User, code: str) -> Message:
        """A short SMS with the code (French, or English for an English journey)."""
        minutes = current_app.config["OTP_TTL_SECONDS"] // 60
        return Message(
            to=user.phone,
            text=gettext("MSSanté : votre code de connexion est %(code)s. Il expire dans "
                         "%(minutes)s min.", code=code, minutes=minutes),
        )
