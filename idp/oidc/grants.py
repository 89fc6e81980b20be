"""Authlib grants and extensions, tuned through their hooks: code (with OpenID Connect and
PKCE S256), refresh token with rotation, and client credentials."""

from __future__ import annotations

from datetime import timedelta

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    grants,
    scope_to_list,
)
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import grants as oidc_grants
from flask import current_app

from ..extensions import db
from ..models import AuthorizationCode, Client, SessionClient, Token, User
from ..models.base import epoch, utcnow
from ..security import digest
from . import keys, tokens
from .authlib_adapter import code_response_params
from .claims import id_token_user_claims, parse_claims_parameter
from .responses import authorization_redirect

ALL_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
CONFIDENTIAL_AUTH_METHODS = ALL_AUTH_METHODS[:3]


def refresh_token_allowed(client: Client, scope: str) -> bool:
    """Refresh tokens go to confidential clients, and to public ones only with offline_access."""
    return not client.is_public or "offline_access" in scope_to_list(scope or "")


class TokenRequestChecks:
    """Checks of every token request that Authlib leaves out."""

    def validate_token_request(self) -> None:
        # RFC 6749 section 3.2: parameters MUST NOT be included more than once.
        if any(len(values) > 1 for values in self.request.payload.datalist.values()):
            raise InvalidRequestError("Parameters must not be repeated.")
        super().validate_token_request()


class AuthorizationCodeGrant(TokenRequestChecks, grants.AuthorizationCodeGrant):
    """The code flow; codes are stored hashed and consumed atomically when redeemed."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS

    def create_authorization_response(self, redirect_uri: str, grant_user: User):
        """Authlib makes and saves the code; the answer goes in the client's response mode, with
        ``iss`` (Authlib's answers only in the query, without it)."""
        params = code_response_params(super().create_authorization_response, grant_user)
        response_mode = self.request.payload.data.get("response_mode")
        return authorization_redirect(redirect_uri, params, response_mode)

    def save_authorization_code(self, code: str, request) -> None:
        session = request.sso_session
        data = request.payload.data
        now = utcnow()
        db.session.add(
            AuthorizationCode(
                code_hash=digest(code),
                client_id=request.client.client_id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                claims=parse_claims_parameter(data.get("claims")),
                sid=session.sid,
                acr=session.acr,
                amr=list(session.amr),
                auth_time=session.auth_time,
                expires_at=now
                + timedelta(seconds=current_app.config["AUTHORIZATION_CODE_TTL_SECONDS"]),
            )
        )
        if not db.session.scalar(
            db.select(SessionClient.id).where(
                SessionClient.session_id == session.id,
                SessionClient.client_id == request.client.client_id,
            )
        ):
            db.session.add(SessionClient(session_id=session.id, client_id=request.client.client_id))

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return tokens.consume_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """The code was consumed when queried; refuse the tokens if it was replayed meanwhile."""
        if not tokens.settle_code(authorization_code):
            raise InvalidGrantError("The authorization code was used more than once.")

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        user = authorization_code.user
        return user if user.is_active else None

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        include_refresh_token = include_refresh_token and refresh_token_allowed(self.client, scope)
        return super().generate_token(user, scope, grant_type, expires_in, include_refresh_token)


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only; required from public clients, optional for confidential ones."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if grant.request.client.is_public and not data.get("code_challenge"):
            raise InvalidRequestError("Public clients must use PKCE ('code_challenge', S256).")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class OpenIDCode(oidc_grants.OpenIDCode):
    """ID tokens for the code flow: signed by the key ring, with sid and requested claims."""

    def exists_nonce(self, nonce: str, request) -> bool:
        return bool(
            db.session.scalar(
                db.select(AuthorizationCode.id).where(
                    AuthorizationCode.client_id == request.payload.client_id,
                    AuthorizationCode.nonce == nonce,
                )
            )
        )

    def get_client_algorithm(self, client: Client) -> str:
        return keys.signing_alg(client)

    def resolve_client_private_key(self, client: Client):
        _, key = keys.key_ring(current_app).signing_key(self.get_client_algorithm(client))
        return key

    def get_encode_header(self, client: Client) -> dict:
        alg = self.get_client_algorithm(client)
        kid, _ = keys.key_ring(current_app).signing_key(alg)
        return {"alg": alg, "kid": kid, "typ": "JWT"}

    def get_client_claims(self, client: Client) -> dict:
        now = epoch(utcnow())
        return {
            "iss": current_app.config["ISSUER"],
            "aud": client.client_id,
            "iat": now,
            "exp": now + current_app.config["ID_TOKEN_TTL_SECONDS"],
        }

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict:
        claims = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.sid
        claims.update(id_token_user_claims(authorization_code.user, authorization_code.claims))
        return claims

    def generate_user_info(self, user: User, scope: str) -> dict:
        return {"sub": user.subject}


class RefreshTokenGrant(TokenRequestChecks, grants.RefreshTokenGrant):
    """Refresh with rotation: each refresh token works once and is replaced by a new one; a
    retry within REFRESH_TOKEN_REUSE_GRACE_SECONDS gets the same new one (``refresh_retries``)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token:
        """Check the token's client and the requested scope first, then consume the token: a
        request refused for a mistake (or made by another client) must not spend it, or the next
        legitimate use would look like a replay and revoke the whole family."""
        found = tokens.find_token(refresh_token, "refresh_token")
        if found is None or found.presented_as != "refresh_token" or not found.check_client(
            self.request.client
        ):
            raise InvalidGrantError("Invalid 'refresh_token' in request.")
        requested = scope_to_list(self.request.payload.scope or "")
        if not set(scope_to_list(found.scope or "")).issuperset(requested):
            raise InvalidScopeError("The requested scope exceeds the scope originally granted.")
        token = tokens.consume_refresh_token(refresh_token)
        if token is None:
            raise InvalidGrantError("The refresh token is expired, revoked or already used.")
        return token

    def create_token_response(self):
        """A refresh retried within the grace gets its first answer again, for a person still
        active; any other is Authlib's rotation: issue, ``save_token``, retire the old token."""
        answer = self.request.refresh_token.retry_answer
        if answer is None:
            return super().create_token_response()
        if not self.authenticate_user(self.request.refresh_token):
            raise InvalidRequestError("There is no 'user' for this token.")
        return 200, answer, self.TOKEN_RESPONSE_HEADER

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        include_refresh_token = include_refresh_token and refresh_token_allowed(self.client, scope)
        return super().generate_token(user, scope, grant_type, expires_in, include_refresh_token)

    def authenticate_user(self, refresh_token: Token) -> User | None:
        user = refresh_token.user
        return user if user is not None and user.is_active else None

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """The old access token ends with the refresh token it came with."""
        if not tokens.retire_refresh_token(refresh_token):
            raise InvalidGrantError("The refresh token was used more than once.")


class ClientCredentialsGrant(TokenRequestChecks, grants.ClientCredentialsGrant):
    """Service clients acting on their own behalf (no person involved)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CONFIDENTIAL_AUTH_METHODS
