"""Protocol endpoints. Every URL but discovery's is found through the discovery document."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as CsrfInvalid

from .. import csp
from ..errors import (
    DATABASE_UNAVAILABLE,
    MESSAGES,
    database_unavailable,
    database_unavailable_page,
    sign_in_error_page,
)
from ..sessions import pending as pending_requests
from . import keys
from .authorize import authorize as decide
from .authorize import resume_with_error
from .claims import userinfo_claims
from .discovery import provider_metadata
from .server import authorization_server, bearer_protector

bp = Blueprint("oidc", __name__)

#: The endpoints people's browsers open; every other one answers clients, in JSON.
PAGES = {"oidc.authorize", "oidc.resume", "oidc.end_session"}


def _database_unavailable(error: Exception):
    """Without the database a client reads the OAuth error temporarily_unavailable; a person
    gets the page saying so."""
    if request.endpoint in PAGES:
        return database_unavailable_page(error)
    body = {"error": "temporarily_unavailable", "error_description": str(MESSAGES[503])}
    return jsonify(body), 503, database_unavailable(error)


for _kind in DATABASE_UNAVAILABLE:
    bp.register_error_handler(_kind, _database_unavailable)


@bp.get("/.well-known/openid-configuration")
def discovery():
    response = jsonify(provider_metadata())
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/jwks.json")
def jwks():
    response = jsonify(keys.key_ring(current_app).jwks())
    max_age = current_app.config["KEYS_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    return decide(request.values.to_dict(flat=False))


@bp.get("/authorize/resume/<uid>")
def resume(uid: str):
    pending = pending_requests.load(uid)
    if pending is None:
        return sign_in_error_page("expired")
    if pending.error:
        return resume_with_error(pending)
    return decide(pending.params, pending)


@bp.post("/token")
def token():
    return authorization_server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    protector = bearer_protector()
    try:
        access_token = protector.acquire_token(["openid"])
    except OAuth2Error as error:  # RFC 6750: the JSON error with its WWW-Authenticate challenge
        return jsonify(dict(error.get_body())), error.status_code, error.get_headers()
    claims = userinfo_claims(access_token.user, access_token.scope, access_token.claims)
    response = jsonify(claims)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/revoke")
def revoke():
    return authorization_server().create_endpoint_response("revocation")


@bp.post("/introspect")
def introspect():
    return authorization_server().create_endpoint_response("introspection")


@bp.route("/logout", methods=["GET", "POST"])
def end_session():
    server = authorization_server()
    try:
        logout_request = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return sign_in_error_page(error.error, error.description)
    if logout_request.needs_confirmation and not _confirmed():
        client = logout_request.client
        response = make_response(render_template(
            "oidc/logout_confirm.html", client=client, params=request.values.to_dict()
        ))
        targets = client.post_logout_redirect_uris if client else []
        response.headers["Content-Security-Policy"] = csp.policy(*targets)
        return response
    return server.create_endpoint_response("end_session", logout_request) or \
        make_response(render_template("oidc/logged_out.html"))


def _confirmed() -> bool:
    """True for the confirmation form's POST, with a valid CSRF token."""
    if request.method != "POST" or request.form.get("confirm") != "yes":
        return False
    try:
        validate_csrf(request.form.get("csrf_token"))
    except CsrfInvalid as exc:
        raise CSRFError(str(exc)) from None
    return True

