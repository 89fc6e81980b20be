"""Settings: config/default.toml, then the IDP_CONFIG file, then IDP_* environment variables.

Read once when the app is created; the rest of the code reads ``current_app.config``. A bad value
stops the start-up with a message that names the setting, rather than failing on first use.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many

from .upstreams import UpstreamConfigError, configured_upstreams

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "default.toml"
ENV_PREFIX = "IDP_"
DEVELOPMENT_SECRET = "dev-secret-key-change-me"  # noqa: S105 - the known development value
MAY_BE_ZERO = {"REFRESH_TOKEN_REUSE_GRACE_SECONDS", "CLIENT_CACHE_SECONDS"}  # 0 turns it off
MAX_CLIENT_CACHE_SECONDS = 60  # a disabled client or a replaced secret counts within a minute
MAX_REFRESH_REUSE_GRACE_SECONDS = 60  # Okta's and Amazon Cognito's maximum


class SettingsError(ValueError):
    """A setting is missing, unknown or has a value of the wrong type."""


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the validated settings: defaults, config file, environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    settings = _read_toml(DEFAULTS_FILE)
    config_file = environ.get(ENV_PREFIX + "CONFIG")
    if config_file:
        _merge(settings, _read_toml(Path(config_file)), source=config_file)
    for key, default in list(settings.items()):
        raw = environ.get(ENV_PREFIX + key)
        if raw is not None:
            settings[key] = _parse_env(key, raw, default)
    if overrides:
        _merge(settings, dict(overrides), source="overrides")
    _validate(settings)
    return settings


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise SettingsError(f"configuration file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from exc


def _merge(settings: dict[str, Any], extra: dict[str, Any], source: str) -> None:
    for key, value in extra.items():
        if key not in settings:
            raise SettingsError(f"{source}: unknown setting {key!r}")
        default = settings[key]
        if isinstance(default, bool) != isinstance(value, bool) or not isinstance(
            value, type(default)
        ):
            raise SettingsError(
                f"{source}: {key} must be of type {type(default).__name__}, got {value!r}"
            )
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise SettingsError(f"{source}: {key} must be a list of strings, got {value!r}")
        settings[key] = value


def _parse_env(key: str, raw: str, default: Any) -> Any:
    name = ENV_PREFIX + key
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be a boolean (true/false), got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise SettingsError(f"{name} must be a JSON object, got {raw!r}") from None
        if not isinstance(value, dict):
            raise SettingsError(f"{name} must be a JSON object, got {raw!r}")
        return value
    if isinstance(default, list):
        text = raw.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise SettingsError(f"{name} must be a JSON list, got {raw!r}") from None
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{name} must be a list of strings, got {raw!r}")
            return value
        return [part.strip() for part in text.split(",") if part.strip()]
    return raw


def _validate(settings: dict[str, Any]) -> None:
    issuer = settings["ISSUER"]
    if not issuer.startswith(("https://", "http://")) or issuer.endswith("/"):
        raise SettingsError(f"ISSUER must be an http(s) URL without a trailing slash: {issuer!r}")
    positive = ("_SECONDS", "_KIB", "_COST", "_PARALLELISM", "_WORKERS", "_THREADS", "_SIZE",
                "_DAYS")
    for key, value in settings.items():
        if key.endswith(positive) and value <= 0 and key not in MAY_BE_ZERO:
            raise SettingsError(f"{key} must be positive, got {value}")
    grace = settings["REFRESH_TOKEN_REUSE_GRACE_SECONDS"]
    if not 0 <= grace <= MAX_REFRESH_REUSE_GRACE_SECONDS:
        raise SettingsError("REFRESH_TOKEN_REUSE_GRACE_SECONDS must be between 0 and "
                            f"{MAX_REFRESH_REUSE_GRACE_SECONDS} (a retry, not a second life), "
                            f"got {grace}")
    if not 0 <= settings["CLIENT_CACHE_SECONDS"] <= MAX_CLIENT_CACHE_SECONDS:
        raise SettingsError(f"CLIENT_CACHE_SECONDS must be between 0 and "
                            f"{MAX_CLIENT_CACHE_SECONDS}, got {settings['CLIENT_CACHE_SECONDS']}")
    unknown_algs = set(settings["SIGNING_ALGS"]) - {"RS256", "ES256"}
    if unknown_algs or not settings["SIGNING_ALGS"]:
        raise SettingsError(f"SIGNING_ALGS must list RS256 and/or ES256, got {unknown_algs}")
    if settings["DEFAULT_ID_TOKEN_ALG"] not in settings["SIGNING_ALGS"]:
        raise SettingsError("DEFAULT_ID_TOKEN_ALG must be one of SIGNING_ALGS")
    if settings["RSA_KEY_SIZE"] < 2048:
        raise SettingsError("RSA_KEY_SIZE must be at least 2048")
    if settings["TRUSTED_PROXIES"] < 0:
        raise SettingsError("TRUSTED_PROXIES must be zero or more")
    _validate_delivery(settings)
    _validate_observability(settings)
    for key in ("RATELIMIT_SIGNIN_PER_IP", "RATELIMIT_FAILURES_PER_IP",
                "RATELIMIT_SIGNIN_PER_ACCOUNT"):
        try:
            parse_many(settings[key])
        except ValueError:
            raise SettingsError(f"{key} must read like '600 per minute', got {settings[key]!r}") \
                from None
    try:
        configured_upstreams(settings)
    except UpstreamConfigError as exc:
        raise SettingsError(str(exc)) from None
    try:
        ZoneInfo(settings["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE must name a time zone such as Europe/Paris, got "
                            f"{settings['TIMEZONE']!r}") from None
    if settings["REDIS_URL"] and not settings["REDIS_URL"].startswith(("redis://", "rediss://")):
        raise SettingsError(f"REDIS_URL must be a redis:// URL, got {settings['REDIS_URL']!r}")
    _validate_job_queue(settings)
    if not is_development(settings):
        if not _strong_secret(settings["SECRET_KEY"]):
            raise SettingsError("SECRET_KEY must be set to a random value of 32+ characters")
        if not all(_strong_secret(key) for key in settings["PREVIOUS_SECRET_KEYS"]):
            raise SettingsError("PREVIOUS_SECRET_KEYS must hold former values of SECRET_KEY: "
                                "random values of 32+ characters, never the development one")
        if not issuer.startswith("https://"):
            raise SettingsError("ISSUER must use https outside development")


def _validate_job_queue(settings: dict[str, Any]) -> None:
    url = settings["JOB_QUEUE_URL"]
    if url and not url.startswith(("redis://", "rediss://", "sqlite:///")):
        raise SettingsError("JOB_QUEUE_URL must be empty, a redis:// URL or a sqlite:/// file, "
                            f"got {url!r}")
    if settings["JOB_MAX_RETRIES"] < 0:
        raise SettingsError("JOB_MAX_RETRIES must be zero or more, got "
                            f"{settings['JOB_MAX_RETRIES']}")
    if not 0 <= settings["JOB_WORKER_METRICS_PORT"] <= 65535:
        raise SettingsError("JOB_WORKER_METRICS_PORT must be a TCP port (0: not served), got "
                            f"{settings['JOB_WORKER_METRICS_PORT']}")
    if settings["JOB_RETRY_BASE_SECONDS"] > settings["JOB_RETRY_MAX_SECONDS"]:
        raise SettingsError("JOB_RETRY_BASE_SECONDS must not exceed JOB_RETRY_MAX_SECONDS")


def _strong_secret(key: str) -> bool:
    return key != DEVELOPMENT_SECRET and len(key) >= 32


def _validate_delivery(settings: dict[str, Any]) -> None:
    backend = settings["SMS_BACKEND"]
    if backend not in ("twilio", "outbox"):
        raise SettingsError(f"SMS_BACKEND must be twilio or outbox, got {backend!r}")
    if backend == "outbox" and not is_development(settings):
        raise SettingsError("SMS_BACKEND outbox writes codes to the log: development only")
    if settings["MAIL_USE_TLS"] and settings["MAIL_USE_SSL"]:
        raise SettingsError("MAIL_USE_TLS and MAIL_USE_SSL exclude each other")
    sender = settings["MAIL_DEFAULT_SENDER"]
    parsed = policy.SMTP.header_factory("From", sender)
    if len(parsed.addresses) != 1 or parsed.defects or not parsed.addresses[0].domain:
        raise SettingsError("MAIL_DEFAULT_SENDER must be one address, such as "
                            f"'MSSanté <ne-pas-repondre@example.fr>', got {sender!r}")
    base_url = settings["TWILIO_BASE_URL"]
    if base_url and not base_url.startswith(("https://", "http://")):
        raise SettingsError(f"TWILIO_BASE_URL must be empty or an http(s) URL: {base_url!r}")


def _validate_observability(settings: dict[str, Any]) -> None:
    if settings["LOG_FORMAT"] not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT must be json or text, got {settings['LOG_FORMAT']!r}")
    for network in settings["METRICS_ALLOWED_NETWORKS"]:
        try:
            ipaddress.ip_network(network)
        except ValueError:
            raise SettingsError("METRICS_ALLOWED_NETWORKS must list networks such as "
                                f"10.0.0.0/8 or ::1/128, got {network!r}") from None
    token = settings["METRICS_BEARER_TOKEN"]
    if token and not is_development(settings) and not _strong_secret(token):
        raise SettingsError("METRICS_BEARER_TOKEN must be empty or a random value of 32+ "
                            "characters")


def is_development(settings: Mapping[str, Any]) -> bool:
    """True when the provider runs with development settings."""
    return settings["ENVIRONMENT"] == "development"
