"""The way into the administration and what every page shares.

A page needs an SSO session of level ``mfa`` (the account page's sign-in, ``account.gate``,
which brings the browser back to the page asked for) and a person whose role gives an admin
right; the role decides what they may do (``actors.CAN``). Domain errors become the page they
mean: NotFound a 404, Forbidden a 403, a refused input a 400 or 409; never a 500.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import wraps
from zoneinfo import ZoneInfo

from flask import current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ...errors import Conflict, Forbidden, IdpError, NotFound, ValidationError
from ...extensions import db
from ...models import Role
from ...portal import gate
from ..actors import ADMIN_ONLY, CAN, READ, WRITE, Actor, actor_for_user
from . import bp

ROLE_LABELS = {
    Role.USER.value: _l("Utilisateur"),
    Role.REFERENT.value: _l("Référent"),
    Role.SUPPORT.value: _l("Support"),
    Role.ADMIN.value: _l("Administrateur"),
}
STATUS_LABELS = {"active": _l("Actif"), "disabled": _l("Désactivé")}


def admin_required(need: str = READ):
    """Run the view with the signed-in person as an ``Actor`` whose role allows ``need``;
    without a session, send the browser through the sign-in and back here."""
    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            user = gate.signed_in_user()
            if user is None:
                return gate.send_to_sign_in(_back_here())
            actor = actor_for_user(user)
            if actor is None:
                return refusal(gettext(
                    "L'administration est réservée aux référents, au support et aux "
                    "administrateurs. Votre compte n'y a pas accès."))
            if need not in CAN[actor.role]:
                return refusal(gettext("Votre rôle ne permet pas cette action."))
            g.admin_actor = actor
            return view(actor, **kwargs)
        return wrapper
    return decorate


def _back_here() -> str:
    """The page to come back to after the sign-in: this one, or for a form the home page."""
    if request.method == "GET":
        here = request.script_root + request.full_path.rstrip("?")
        return here if len(here) <= gate.MAX_NEXT_PATH else request.script_root + request.path
    return url_for("admin.home")


def may(actor: Actor, need: str) -> bool:
    """Whether ``actor``'s role allows ``need`` (to show or hide buttons and menu entries)."""
    return need in CAN.get(actor.role, set())


def page(template: str, status: int = 200, **context):
    """An administration page; ``actor`` and the menu come from the request."""
    actor = g.admin_actor
    return render_template(
        template, actor=actor, can_write=may(actor, WRITE), is_admin=may(actor, ADMIN_ONLY),
        role_labels=_text(ROLE_LABELS), status_labels=_text(STATUS_LABELS),
        support=current_app.config["SUPPORT_CONTACT"], **context), status


def _text(labels: dict) -> dict[str, str]:
    """Lazy labels as text for this request's language (Jinja would not escape a lazy one)."""
    return {key: str(label) for key, label in labels.items()}


def refusal(message: str, status: int = 403):
    """The page that says no (the project's error page)."""
    titles = {403: gettext("Accès refusé"), 404: gettext("Page introuvable")}
    return render_template("error.html", title=titles.get(status, gettext("Requête invalide")),
                           message=message, support=current_app.config["SUPPORT_CONTACT"]), status


def status_of(error: IdpError) -> int:
    """The HTTP status of a domain error."""
    return (404 if isinstance(error, NotFound) else 403 if isinstance(error, Forbidden)
            else 409 if isinstance(error, Conflict) else 400)


def form_text(name: str, limit: int = 320) -> str:
    """A form field, trimmed and cut to a sane length."""
    return request.form.get(name, "")[:limit].strip()


def day(value: str, end: bool = False) -> datetime | None:
    """A day typed in a filter (YYYY-MM-DD, in TIMEZONE) as its first or, with ``end``, last
    moment, in UTC as the database keeps it."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(gettext("Date invalide : « %(value)s » (format AAAA-MM-JJ).",
                                      value=value)) from None
    local = datetime.combine(parsed, time.max if end else time.min,
                             tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return local.astimezone(UTC).replace(tzinfo=None)


@bp.get("")
@admin_required()
def home(actor):
    return redirect(url_for("admin.accounts_list"))


@bp.errorhandler(IdpError)
def domain_error(error: IdpError):
    """A refusal no view turned into a form again: the error page with the service's words."""
    db.session.rollback()
    return refusal(error.message, status_of(error))


@bp.after_request
def never_cached(response):
    """Personal data and audit records: no page of the administration is ever cached."""
    response.headers["Cache-Control"] = "no-store"
    return response
