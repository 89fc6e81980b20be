"""Why a brokered sign-in failed: a reason for the audit trail, a sentence for the person
(``%(label)s`` is the upstream's name, e.g. Pro Santé Connect)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..upstreams import PSC, Upstream


class FederationError(Exception):
    """A brokered sign-in that cannot go on; ``reason`` is audited, ``message`` shown."""

    message = _l("La connexion avec %(label)s n'a pas abouti. Réessayez, ou connectez-vous avec "
                 "votre adresse MSSanté et votre mot de passe.")

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def shown(self, upstream: Upstream) -> str:
        """The sentence shown to the person."""
        return str(self.message) % {"label": upstream.label}


class UpstreamUnavailable(FederationError):
    """The upstream did not answer, or not with what the protocol expects."""

    message = _l("%(label)s ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
                 "connectez-vous avec votre adresse MSSanté et votre mot de passe.")


class AnswerRejected(FederationError):
    """The upstream's answer failed a check (state, signature, nonce, expiry, audience...)."""

    message = _l("La réponse de %(label)s n'a pas pu être vérifiée : vous n'êtes pas connecté. "
                 "Recommencez la connexion.")


class LevelRefused(FederationError):
    """The upstream did not vouch for the level of authentication asked (acr)."""

    message = _l("%(label)s n'a pas confirmé un niveau d'authentification suffisant. "
                 "Reconnectez-vous avec un moyen plus sûr.")
    psc_message = _l("Pro Santé Connect n'a pas confirmé un niveau d'authentification suffisant. "
                     "Reconnectez-vous avec votre carte CPS ou e-CPS.")

    def shown(self, upstream: Upstream) -> str:
        return str(self.psc_message) if upstream.name == PSC else super().shown(upstream)


class Cancelled(FederationError):
    """The person cancelled at the upstream, or the upstream refused (error=...)."""

    message = _l("Connexion avec %(label)s annulée. Vous pouvez vous connecter avec votre "
                 "adresse MSSanté et votre mot de passe.")
