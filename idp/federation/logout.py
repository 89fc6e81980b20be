"""Logging out here also ends the upstream session (RP-Initiated Logout at the upstream, with
the ID token it gave and our registered post-logout URI); a session that merely expires does
not, since no browser is there to carry the request. The upstream's end-session endpoint was
kept at sign-in (``UpstreamLogin``), so the logout request asks the upstream nothing: the
browser carries the whole exchange."""

from __future__ import annotations

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from flask import current_app, g, make_response, render_template, session

from ..extensions import db
from ..models import SsoSession, UpstreamLogin
from ..upstreams import configured_upstreams
from ..urls import public_url

LOGOUT_KEY = "upstream_logout"


def note_logout(_sender, sso: SsoSession, reason: str) -> None:
    """Receiver of ``session_ended``: a logout of a brokered session owes the upstream one."""
    if reason != "logout":
        return
    login = db.session.scalar(
        db.select(UpstreamLogin).where(UpstreamLogin.sso_session_id == sso.id))
    if login is not None and login.end_session_endpoint:
        g.upstream_logout = (login.upstream, login.id_token, login.end_session_endpoint)


def then_end_upstream_session(response):
    """After a request that logged out a brokered session (``note_logout``): instead of
    ``response``, a page taking the browser to the upstream's end-session endpoint first, then
    on to where ``response`` led (kept in the session). Any other response passes unchanged."""
    pending = g.pop("upstream_logout", None)
    upstream = configured_upstreams(current_app.config).get(pending[0]) if pending else None
    if upstream is None:
        return response
    _name, id_token, endpoint = pending
    state = generate_token(32)
    next_url = response.headers.get("Location") if response.status_code in (302, 303) else None
    session[LOGOUT_KEY] = {"state": state, "next": next_url}
    target = add_params_to_uri(endpoint, {
        "id_token_hint": id_token, "client_id": upstream.client_id, "state": state,
        "post_logout_redirect_uri": public_url("federation.logged_out", name=upstream.name),
    })
    # A page rather than a redirect: after the logout confirmation form, a redirect to another
    # origin would break the form-action rule of the Content-Security-Policy.
    return make_response(render_template("federation/leaving.html", target=target,
                                         label=upstream.label))


def back_from_upstream(state: str) -> str | None:
    """Where to go once the upstream has logged out: the client's post-logout URI, or None
    for our own "logged out" page. Only for the state this browser sent."""
    remembered = session.pop(LOGOUT_KEY, None)
    if not isinstance(remembered, dict) or remembered.get("state") != state:
        return None
    return remembered.get("next")
