"""The account page and its actions: Google Authenticator enrolment and removal, recovery
codes, the link to Pro Santé Connect (made through ``federation``, removed here). Every view
needs an SSO session of level ``mfa`` (``gate``); every action is a POST with its CSRF token,
carried out by a service of ``idp.factors`` or ``idp.accounts``."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext

from ..accounts.federated_identities import PSC, identity_of, unlink_identity
from ..accounts.notification_email import last_code_delivery, pending_change
from ..delivery.masking import mask
from ..factors import recovery, totp
from ..sessions.sso import current_session, signed_in_here_with_two_factors
from . import gate
from .pages import bp, mfa_required, page


@bp.get("")
@mfa_required
def overview(user):
    credential = totp.credential_of(user)
    sso = current_session()
    pending = pending_change(user)
    return page(
        "account/overview.html",
        user=user,
        psc_enabled=bool(current_app.config["PSC_CLIENT_ID"]),
        psc_link=identity_of(user, PSC),
        can_link=signed_in_here_with_two_factors(sso),
        notification_email=mask(user.notification_email) if user.notification_email else None,
        pending_address=mask(pending.new_address) if pending else None,
        last_code=last_code_delivery(user),
        phone=mask(user.phone) if user.phone else None,
        authenticator="active" if credential and credential.confirmed_at
        else "pending" if credential else "off",
        recovery_left=recovery.remaining(user),
    )


@bp.get("/callback")
def callback():
    if not gate.callback_state_ok():
        return gate.forget_state(page(
            "error.html", title=gettext("Lien expiré"),
            message=gettext("Ce lien de connexion n'est plus valable. Ouvrez à nouveau votre "
                            "espace personnel."))), 400
    if request.args.get("error"):
        return gate.forget_state(page(
            "error.html", title=gettext("Connexion annulée"),
            message=gettext("Vous n'êtes pas connecté : votre espace personnel reste fermé."))), 403
    # Back to the page asked for (the administration's), or to the account page.
    return gate.forget_state(redirect(gate.next_path() or url_for("account.overview")))


@bp.post("/authenticator")
@mfa_required
def start_authenticator(user):
    if totp.confirmed_credential(user) is None:
        totp.start_enrolment(user)
    return redirect(url_for("account.authenticator"))


@bp.get("/authenticator")
@mfa_required
def authenticator(user):
    return _enrolment_page(user)


def _enrolment_page(user, error=None):
    """The QR code and the secret of the authenticator waiting for its first code (an
    unreadable secret is replaced by "Activer Google Authenticator" on the overview)."""
    credential = totp.credential_of(user)
    if credential is None or credential.confirmed_at or totp.readable_secret(credential) is None:
        return redirect(url_for("account.overview"))
    return page(
        "account/authenticator.html",
        qr_svg=totp.enrolment_qr_svg(credential, user),
        secret=totp.enrolment_secret(credential),
        issuer=current_app.config["TOTP_ISSUER_NAME"],
        account=user.email,
        error=error,
    )


@bp.post("/authenticator/confirm")
@mfa_required
def confirm_authenticator(user):
    verdict = totp.confirm(user, request.form.get("code", "")[:32])
    if not verdict.ok:
        return _enrolment_page(user, error=totp.Authenticator.refusal(verdict))
    flash(gettext("Google Authenticator est activé : il vous sera proposé à la prochaine "
                  "connexion."))
    return redirect(url_for("account.overview"))


@bp.post("/authenticator/remove")
@mfa_required
def remove_authenticator(user):
    if totp.remove(user):
        flash(gettext("Google Authenticator est désactivé pour ce compte."))
    return redirect(url_for("account.overview"))


@bp.post("/recovery-codes")
@mfa_required
def recovery_codes(user):
    return page("account/recovery_codes.html", codes=recovery.generate(user))


@bp.post("/pro-sante-connect/unlink")
@mfa_required
def unlink_psc(user):
    if unlink_identity(user, PSC, unlinked_by="self"):
        flash(gettext("Le lien avec Pro Santé Connect est supprimé."))
    return redirect(url_for("account.overview"))
