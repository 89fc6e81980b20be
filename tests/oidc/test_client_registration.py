"""Client registration: what a relying party may be registered with, and how its secret is kept."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import RSAKey

from idp.errors import ValidationError
from idp.extensions import db
from idp.models import AuditEvent, Client
from idp.oidc.clients import DEFAULT_SCOPE, register_client
from idp.security import digest

CALLBACK = "https://rp.example.org/callback"


def register(**kwargs):
    kwargs.setdefault("redirect_uris", [CALLBACK])
    return register_client(kwargs.pop("name", "Webmail"), **kwargs)


def client_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Client))


def public_jwks() -> dict:
    key = RSAKey.generate_key(2048, private=True)
    return {"keys": [key.as_dict(private=False)]}


def test_a_confidential_client_gets_a_256_bit_secret_stored_only_as_a_digest(ctx):
    registered = register()

    secret = registered.client_secret
    assert len(secret) >= 43  # 32 random bytes, base64url
    stored = db.session.get(Client, registered.client.id)
    assert stored.secret_hash == digest(secret)
    assert secret not in json.dumps(stored.client_metadata)
    assert stored.check_client_secret(secret)
    assert not stored.check_client_secret(secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert not stored.check_client_secret(None)


def test_every_client_gets_its_own_identifier_and_secret(ctx):
    first, second = register(), register()

    assert first.client.client_id != second.client.client_id
    assert first.client_secret != second.client_secret


def test_the_default_scope_is_the_one_a_webmail_needs(ctx):
    assert register().client.scope == DEFAULT_SCOPE == (
        "openid profile email phone mailboxes offline_access")


def test_the_scope_is_normalised(ctx):
    assert register(scope="  openid   email ").client.scope == "openid email"


@pytest.mark.parametrize("scope", ["openid superuser", "", "   "])
def test_an_unknown_or_empty_scope_is_refused(ctx, scope):
    with pytest.raises(ValidationError, match="Portée inconnue"):
        register(scope=scope)
    assert client_count() == 0


@pytest.mark.parametrize("method", ["none", "private_key_jwt"])
def test_public_and_key_clients_get_no_secret(ctx, method):
    extra = {"jwks": public_jwks()} if method == "private_key_jwt" else {}

    registered = register(auth_method=method, **extra)

    assert registered.client_secret is None
    assert registered.client.secret_hash is None


def test_a_private_key_jwt_client_keeps_only_public_keys(ctx):
    registered = register(auth_method="private_key_jwt", jwks=json.dumps(public_jwks()))

    [key] = registered.client.jwks["keys"]
    assert key["kty"] == "RSA" and "d" not in key


def test_a_private_key_jwt_client_needs_its_keys(ctx):
    with pytest.raises(ValidationError, match="JWKS"):
        register(auth_method="private_key_jwt")


def test_a_jwks_with_a_private_key_is_refused(ctx):
    key = RSAKey.generate_key(2048, private=True)

    with pytest.raises(ValidationError, match="que des clés publiques"):
        register(auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=True)]})


@pytest.mark.parametrize("jwks", ["not json", '{"keys": [{"kty": "nope"}]}', "[1, 2]"])
def test_a_malformed_jwks_is_refused(ctx, jwks):
    with pytest.raises(ValidationError, match="JWKS invalide"):
        register(auth_method="private_key_jwt", jwks=jwks)


def test_keys_are_refused_for_a_client_that_authenticates_with_a_secret(ctx):
    with pytest.raises(ValidationError, match="private_key_jwt"):
        register(jwks=public_jwks())


@pytest.mark.parametrize(
    "uri",
    [CALLBACK, "https://rp.example.org:8443/cb?tenant=1", "http://localhost:8000/cb",
     "http://127.0.0.1/cb", "http://[::1]:8080/cb"],
)
def test_https_redirect_uris_and_http_on_this_machine_are_accepted(ctx, uri):
    assert register(redirect_uris=[uri]).client.redirect_uris == [uri]


@pytest.mark.parametrize(
    "uri",
    ["http://rp.example.org/cb", "http://localhost.example.org/cb", "https://rp.example.org/cb#x",
     "/callback", "rp.example.org/cb", "javascript:alert(1)", "ftp://rp.example.org/cb",
     "https:///cb", "https://rp.example.org/" + "a" * 2048],
)
def test_other_redirect_uris_are_refused(ctx, uri):
    with pytest.raises(ValidationError, match="URI invalide"):
        register(redirect_uris=[uri])
    assert client_count() == 0


def test_post_logout_and_back_channel_uris_are_checked_like_redirect_uris(ctx):
    with pytest.raises(ValidationError, match="URI invalide"):
        register(post_logout_redirect_uris=["http://rp.example.org/bye"])
    with pytest.raises(ValidationError, match="URI invalide"):
        register(backchannel_logout_uri="http://rp.example.org/logout")

    client = register(post_logout_redirect_uris=["https://rp.example.org/bye"],
                      backchannel_logout_uri="https://rp.example.org/logout").client
    assert client.post_logout_redirect_uris == ["https://rp.example.org/bye"]
    assert client.backchannel_logout_uri == "https://rp.example.org/logout"


def test_redirect_uris_must_match_exactly(ctx):
    client = register().client

    assert client.check_redirect_uri(CALLBACK)
    assert not client.check_redirect_uri(CALLBACK + "/")
    assert not client.check_redirect_uri(CALLBACK + "?next=/")
    assert not client.check_redirect_uri(CALLBACK.upper())


def test_a_code_flow_client_needs_a_redirect_uri(ctx):
    with pytest.raises(ValidationError, match="URI de redirection est obligatoire"):
        register(redirect_uris=[])


def test_a_client_credentials_client_has_no_redirect_uri(ctx):
    with pytest.raises(ValidationError, match="n'a pas d'URI de redirection"):
        register(grant_type="client_credentials")
    with pytest.raises(ValidationError, match="n'a pas d'URI de redirection"):
        register(grant_type="client_credentials", redirect_uris=[],
                 post_logout_redirect_uris=["https://rp.example.org/bye"])


def test_a_client_credentials_client_must_authenticate(ctx):
    with pytest.raises(ValidationError, match="doit s'authentifier"):
        register(grant_type="client_credentials", redirect_uris=[], auth_method="none")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("grant_type", "implicit", "Type d'autorisation inconnu"),
     ("auth_method", "client_secret_jwt", "Méthode d'authentification inconnue"),
     ("min_acr", "eidas3", "Niveau d'authentification inconnu"),
     ("id_token_alg", "HS256", "Algorithme de signature non proposé")],
)
def test_unknown_options_are_refused(ctx, option, value, message):
    with pytest.raises(ValidationError, match=message):
        register(**{option: value})


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_a_client_needs_a_name_of_reasonable_length(ctx, name):
    with pytest.raises(ValidationError, match="nom de l'application"):
        register(name=name)


def test_the_minimum_level_defaults_to_two_factors(ctx):
    client = register().client

    assert client.min_acr == "mfa"
    assert not client.first_party and not client.resource_server


def test_registration_is_audited_without_the_secret(ctx):
    registered = register()

    [event] = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event == "client.created")).all()
    assert event.client_id == registered.client.client_id
    assert registered.client_secret not in json.dumps(event.detail)


def test_the_secret_authenticates_the_client_at_the_token_endpoint(client, actors):
    rp = actors.rp(redirect_uris=[], post_logout_redirect_uris=[], scope="openid",
                   grant_type="client_credentials")

    good = client.post("/token", data={"grant_type": "client_credentials"},
                       auth=(rp.client_id, rp.client_secret))
    bad = client.post("/token", data={"grant_type": "client_credentials"},
                      auth=(rp.client_id, rp.client_secret + "x"))

    assert good.status_code == 200, good.json
    assert good.json["access_token"]
    assert bad.status_code == 401
    assert bad.json["error"] == "invalid_client"
