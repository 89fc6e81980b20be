"""Delivery settings: the SMS backend, SMTP security, the sender and the Twilio address are
checked at start-up."""

from __future__ import annotations

import pytest

from idp.settings import SettingsError, load_settings

PRODUCTION = {"IDP_ENVIRONMENT": "production", "IDP_ISSUER": "https://auth.example.org",
              "IDP_SECRET_KEY": "s" * 48}


def test_development_defaults_point_at_the_mail_catcher():
    settings = load_settings(environ={})

    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("localhost", 1025)
    assert settings["TWILIO_BASE_URL"] == "http://127.0.0.1:8025"
    assert settings["SMS_BACKEND"] == "twilio"


def test_environment_variables_configure_the_smtp_server():
    settings = load_settings(environ={"IDP_MAIL_SERVER": "smtp.example.org",
                                      "IDP_MAIL_PORT": "587", "IDP_MAIL_USE_TLS": "true"})

    assert (settings["MAIL_SERVER"], settings["MAIL_PORT"]) == ("smtp.example.org", 587)
    assert settings["MAIL_USE_TLS"] is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IDP_SMS_BACKEND": "pigeon"}, "SMS_BACKEND must be twilio or outbox"),
        ({**PRODUCTION, "IDP_SMS_BACKEND": "outbox"}, "development only"),
        ({"IDP_MAIL_USE_TLS": "true", "IDP_MAIL_USE_SSL": "true"}, "exclude each other"),
        ({"IDP_MAIL_DEFAULT_SENDER": "MSSanté"}, "MAIL_DEFAULT_SENDER must be one address"),
        ({"IDP_MAIL_DEFAULT_SENDER": "a@example.fr, b@example.fr"}, "MAIL_DEFAULT_SENDER"),
        ({"IDP_TWILIO_BASE_URL": "127.0.0.1:8025"}, "TWILIO_BASE_URL"),
        ({"IDP_DELIVERY_TIMEOUT_SECONDS": "0"}, "DELIVERY_TIMEOUT_SECONDS must be positive"),
    ],
)
def test_bad_delivery_settings_stop_the_start_up(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=environ)


def test_the_outbox_is_accepted_in_development_and_twilio_s_own_address_by_default():
    assert load_settings(environ={"IDP_SMS_BACKEND": "outbox"})["SMS_BACKEND"] == "outbox"
    assert load_settings(environ={**PRODUCTION, "IDP_TWILIO_BASE_URL": ""})["TWILIO_BASE_URL"] == ""
