"""Settings: defaults, then the IDP_CONFIG file, then IDP_* variables; bad values stop the start-up.

Every test passes its own ``environ`` so the real environment of the test run never leaks in.
"""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from idp.settings import (
    DEFAULTS_FILE,
    DEVELOPMENT_SECRET,
    PROJECT_ROOT,
    SettingsError,
    _parse_env,
    is_development,
    load_settings,
)

STRONG_SECRET = "s" * 48


def write_config(tmp_path, text: str) -> dict[str, str]:
    """Write a TOML file and return the environment that points IDP_CONFIG at it."""
    path = tmp_path / "idp.toml"
    path.write_text(text, encoding="utf-8")
    return {"IDP_CONFIG": str(path)}


def test_defaults_load_without_any_file_or_variable():
    settings = load_settings(environ={})

    with DEFAULTS_FILE.open("rb") as handle:
        assert settings == tomllib.load(handle)
    assert settings["ISSUER"] == "http://localhost:5000"
    assert settings["SIGNING_ALGS"] == ["RS256", "ES256"]
    assert is_development(settings)


def test_every_default_setting_has_a_comment_above_it():
    lines = DEFAULTS_FILE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#") and "=" in line:
            assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


def test_a_config_file_overrides_the_defaults(tmp_path):
    environ = write_config(tmp_path, 'ISSUER = "https://auth.example.org"\nSERVE_WORKERS = 8\n')

    settings = load_settings(environ=environ)

    assert settings["ISSUER"] == "https://auth.example.org"
    assert settings["SERVE_WORKERS"] == 8
    assert settings["ACCESS_TOKEN_TTL_SECONDS"] == 600


def test_environment_variables_override_the_config_file(tmp_path):
    environ = write_config(tmp_path, "SERVE_WORKERS = 8\n")
    environ["IDP_SERVE_WORKERS"] = "3"

    assert load_settings(environ=environ)["SERVE_WORKERS"] == 3


def test_explicit_overrides_win_over_the_environment():
    settings = load_settings({"SERVE_WORKERS": 5}, environ={"IDP_SERVE_WORKERS": "3"})

    assert settings["SERVE_WORKERS"] == 5


def test_a_string_setting_is_taken_from_the_environment_as_is():
    environ = {"IDP_DATABASE_URL": "postgresql+psycopg://idp@db/idp", "IDP_ISSUER": "https://a.fr"}

    settings = load_settings(environ=environ)

    assert settings["DATABASE_URL"] == "postgresql+psycopg://idp@db/idp"
    assert settings["ISSUER"] == "https://a.fr"


def test_an_integer_setting_is_parsed_from_the_environment():
    settings = load_settings(environ={"IDP_ACCESS_TOKEN_TTL_SECONDS": " 300 "})

    assert settings["ACCESS_TOKEN_TTL_SECONDS"] == 300


def test_an_integer_setting_refuses_text_and_names_the_variable():
    with pytest.raises(SettingsError, match="IDP_ACCESS_TOKEN_TTL_SECONDS"):
        load_settings(environ={"IDP_ACCESS_TOKEN_TTL_SECONDS": "ten minutes"})


def test_a_list_setting_accepts_a_json_list():
    settings = load_settings(environ={"IDP_SIGNING_ALGS": '["ES256"]',
                                      "IDP_DEFAULT_ID_TOKEN_ALG": "ES256"})

    assert settings["SIGNING_ALGS"] == ["ES256"]


def test_a_list_setting_accepts_a_comma_separated_list():
    settings = load_settings(environ={"IDP_SCOPES_SUPPORTED": "openid, profile,,email "})

    assert settings["SCOPES_SUPPORTED"] == ["openid", "profile", "email"]


@pytest.mark.parametrize("raw", ['["openid", 3]', '[{"scope": "openid"}]', "[openid"])
def test_a_list_setting_refuses_a_malformed_json_list(raw):
    with pytest.raises(SettingsError, match="IDP_SCOPES_SUPPORTED"):
        load_settings(environ={"IDP_SCOPES_SUPPORTED": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("1", True), ("Yes", True), ("on", True),
     ("false", False), ("0", False), ("NO", False), (" off ", False)],
)
def test_a_boolean_setting_understands_the_usual_spellings(raw, expected):
    # default.toml has no boolean setting yet: the parser is exercised with a boolean default.
    assert _parse_env("MAIL_USE_TLS", raw, False) is expected


def test_a_boolean_setting_refuses_other_words_and_names_the_variable():
    with pytest.raises(SettingsError, match="IDP_MAIL_USE_TLS"):
        _parse_env("MAIL_USE_TLS", "maybe", True)


def test_an_unknown_key_in_the_config_file_is_refused_with_its_name(tmp_path):
    environ = write_config(tmp_path, 'ISSUER = "https://a.fr"\nSESION_IDLE_SECONDS = 60\n')

    with pytest.raises(SettingsError, match="SESION_IDLE_SECONDS"):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("line", "key"),
    [('SERVE_WORKERS = "four"', "SERVE_WORKERS"),
     ("SERVE_WORKERS = true", "SERVE_WORKERS"),
     ("SERVE_WORKERS = 2.5", "SERVE_WORKERS"),
     ("ISSUER = 5000", "ISSUER"),
     ('SIGNING_ALGS = "RS256"', "SIGNING_ALGS"),
     ("SCOPES_SUPPORTED = [1, 2]", "SCOPES_SUPPORTED")],
)
def test_a_value_of_the_wrong_type_in_the_config_file_is_refused_with_its_name(
    tmp_path, line, key
):
    environ = write_config(tmp_path, line + "\n")

    with pytest.raises(SettingsError, match=key):
        load_settings(environ=environ)


def test_a_missing_config_file_is_reported():
    with pytest.raises(SettingsError, match="not found"):
        load_settings(environ={"IDP_CONFIG": str(PROJECT_ROOT / "no-such-file.toml")})


def test_a_config_file_that_is_not_toml_is_reported(tmp_path):
    environ = write_config(tmp_path, "ISSUER = \n")

    with pytest.raises(SettingsError, match="invalid TOML"):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    "issuer", ["https://auth.example.org/", "http://localhost:5000/", "auth.example.org", ""]
)
def test_an_issuer_with_a_trailing_slash_or_no_scheme_is_refused(issuer):
    with pytest.raises(SettingsError, match="ISSUER"):
        load_settings(environ={"IDP_ISSUER": issuer})


@pytest.mark.parametrize(
    "key",
    ["ACCESS_TOKEN_TTL_SECONDS", "SESSION_IDLE_SECONDS", "KEYS_CACHE_SECONDS",
     "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_TIME_COST", "SERVE_WORKERS",
     "AUDIT_RETENTION_DAYS", "CLEANUP_BATCH_SIZE"],
)
@pytest.mark.parametrize("value", ["0", "-60"])
def test_a_duration_or_cost_that_is_not_positive_is_refused_with_its_name(key, value):
    with pytest.raises(SettingsError, match=key):
        load_settings(environ={"IDP_" + key: value})


def test_a_non_positive_duration_in_the_config_file_is_refused_with_its_name(tmp_path):
    environ = write_config(tmp_path, "REFRESH_TOKEN_TTL_SECONDS = 0\n")

    with pytest.raises(SettingsError, match="REFRESH_TOKEN_TTL_SECONDS"):
        load_settings(environ=environ)


@pytest.mark.parametrize("value", ["-1", "61"])
def test_a_refresh_retry_grace_beyond_zero_to_a_minute_is_refused_with_its_name(value):
    with pytest.raises(SettingsError, match="REFRESH_TOKEN_REUSE_GRACE_SECONDS"):
        load_settings(environ={"IDP_REFRESH_TOKEN_REUSE_GRACE_SECONDS": value})


def test_a_refresh_retry_grace_of_zero_turns_it_off():
    settings = load_settings(environ={"IDP_REFRESH_TOKEN_REUSE_GRACE_SECONDS": "0"})
    assert settings["REFRESH_TOKEN_REUSE_GRACE_SECONDS"] == 0


def test_an_unknown_signing_algorithm_is_refused():
    with pytest.raises(SettingsError, match="SIGNING_ALGS"):
        load_settings(environ={"IDP_SIGNING_ALGS": "RS256,HS256"})


def test_the_default_id_token_algorithm_must_be_one_that_has_a_key():
    with pytest.raises(SettingsError, match="DEFAULT_ID_TOKEN_ALG"):
        load_settings(environ={"IDP_SIGNING_ALGS": "ES256"})


def test_rsa_keys_shorter_than_2048_bits_are_refused():
    with pytest.raises(SettingsError, match="RSA_KEY_SIZE"):
        load_settings(environ={"IDP_RSA_KEY_SIZE": "1024"})


def test_production_refuses_the_development_secret_key():
    environ = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
               "IDP_SECRET_KEY": DEVELOPMENT_SECRET}

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(environ=environ)


def test_production_refuses_a_short_secret_key():
    environ = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
               "IDP_SECRET_KEY": "short-but-not-the-default"}

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(environ=environ)


@pytest.mark.parametrize("previous", [DEVELOPMENT_SECRET, "short-but-not-the-default"])
def test_production_refuses_the_development_or_a_short_key_among_the_previous_ones(previous):
    environ = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
               "IDP_SECRET_KEY": STRONG_SECRET,
               "IDP_PREVIOUS_SECRET_KEYS": json.dumps(["p" * 48, previous])}

    with pytest.raises(SettingsError, match="PREVIOUS_SECRET_KEYS"):
        load_settings(environ=environ)


def test_previous_secret_keys_come_as_a_json_list_or_separated_by_commas():
    production = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
                  "IDP_SECRET_KEY": STRONG_SECRET}
    keys = ["p" * 48, "q" * 48]

    for raw in (json.dumps(keys), ",".join(keys)):
        settings = load_settings(environ={**production, "IDP_PREVIOUS_SECRET_KEYS": raw})
        assert settings["PREVIOUS_SECRET_KEYS"] == keys
    assert load_settings(environ={})["PREVIOUS_SECRET_KEYS"] == []


def test_production_refuses_an_http_issuer():
    environ = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "http://auth.example.org",
               "IDP_SECRET_KEY": STRONG_SECRET}

    with pytest.raises(SettingsError, match="https"):
        load_settings(environ=environ)


def test_production_accepts_an_https_issuer_and_a_strong_secret():
    environ = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
               "IDP_SECRET_KEY": STRONG_SECRET}

    settings = load_settings(environ=environ)

    assert not is_development(settings)


def test_the_production_example_loads_once_a_secret_is_given_by_the_environment():
    environ = {"IDP_CONFIG": str(PROJECT_ROOT / "config" / "production.example.toml"),
               "IDP_SECRET_KEY": STRONG_SECRET}

    settings = load_settings(environ=environ)

    assert settings["ENVIRONMENT"] == "production"
    assert settings["ISSUER"].startswith("https://")


def test_the_production_example_alone_is_refused_for_its_placeholder_secret():
    environ = {"IDP_CONFIG": str(PROJECT_ROOT / "config" / "production.example.toml")}

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings(environ=environ)


@pytest.mark.parametrize("key", ["RATELIMIT_SIGNIN_PER_IP", "RATELIMIT_FAILURES_PER_IP",
                                 "RATELIMIT_SIGNIN_PER_ACCOUNT"])
def test_a_malformed_rate_limit_stops_the_start_up_naming_the_setting(key):
    with pytest.raises(SettingsError, match=key):
        load_settings({key: "lots per minute"}, environ={})


def test_a_redis_url_must_be_a_redis_url():
    with pytest.raises(SettingsError, match="REDIS_URL"):
        load_settings({"REDIS_URL": "http://127.0.0.1:6379"}, environ={})
    assert load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}, environ={})["REDIS_URL"]


PEER = {"label": "Autre fournisseur", "discovery_url": "https://peer.example/.well-known/x",
        "client_id": "us", "client_secret": "s3cret", "acr_map": {"mfa": "mfa"}}


def test_upstreams_come_from_the_config_file_or_a_json_variable(tmp_path):
    from idp.upstreams import configured_upstreams

    env = write_config(tmp_path, '[UPSTREAMS.peer]\nlabel = "Autre"\n'
                       'discovery_url = "https://peer.example/d"\nclient_id = "us"\n'
                       'client_secret = "s"\nacr_map = { mfa = "mfa" }\n')
    from_file = configured_upstreams(load_settings(environ=env))["peer"]
    assert (from_file.label, from_file.acr_map, from_file.identity_claim) == (
        "Autre", {"mfa": "mfa"}, "sub")
    from_env = load_settings(environ={"IDP_UPSTREAMS": json.dumps({"peer": PEER})})
    assert configured_upstreams(from_env)["peer"].client_id == "us"


def test_pro_sante_connect_is_configured_by_its_three_variables():
    from idp.upstreams import configured_upstreams

    settings = load_settings(environ={"IDP_PSC_CLIENT_ID": "c", "IDP_PSC_CLIENT_SECRET": "s"})
    psc = configured_upstreams(settings)["psc"]
    assert psc.discovery_url.endswith("/auth/realms/esante-wallet/.well-known/"
                                      "wallet-openid-configuration")
    assert (psc.scope, psc.acr_values, psc.identity_claim) == (
        "openid scope_all", "eidas1", "SubjectNameID")
    assert psc.local_acr("eidas1") == "mfa" and psc.local_acr(None) is None
    assert configured_upstreams(load_settings(environ={})) == {}


@pytest.mark.parametrize(("environ", "message"), [
    ({"IDP_PSC_CLIENT_ID": "c"}, "client secret"),
    ({"IDP_UPSTREAMS": "[1]"}, "JSON object"),
    ({"IDP_UPSTREAMS": json.dumps({"Peer!": PEER})}, "short lowercase name"),
    ({"IDP_UPSTREAMS": json.dumps({"psc": PEER})}, "other than 'psc'"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "client_id": ""}})}, "missing keys"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "colour": "blue"}})}, "unknown keys"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "acr_map": {"x": "gold"}}})}, "acr_map"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "identity_claim": "email"}})}, "e-mail"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "scope": "profile"}})}, "openid"),
    ({"IDP_UPSTREAMS": json.dumps({"peer": {**PEER, "discovery_url": "ftp://x"}})}, "http(s)"),
])
def test_a_malformed_upstream_stops_the_start_up_with_a_clear_message(environ, message):
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(environ=environ)


def test_dates_are_shown_in_paris_time_unless_told_otherwise():
    assert load_settings(environ={})["TIMEZONE"] == "Europe/Paris"
    assert load_settings(environ={"IDP_TIMEZONE": "America/Cayenne"})["TIMEZONE"] == \
        "America/Cayenne"
    with pytest.raises(SettingsError, match="TIMEZONE"):
        load_settings(environ={"IDP_TIMEZONE": "Europe/Nowhere"})
