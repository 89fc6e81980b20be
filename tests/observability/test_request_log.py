"""Each request gets an id (a trusted proxy's, when plain and short, else a new one), returned
in X-Request-ID and written on every log line of the request; the access line is one JSON
object naming the endpoint, never the path or the query."""

from __future__ import annotations

import json
import logging
import re

import pytest

from idp import create_app
from idp.extensions import db
from idp.models import User

from ..conftest import TEST_SETTINGS

MADE = re.compile(r"[0-9a-f]{32}")


def provider(**settings):
    app = create_app({**TEST_SETTINGS, "DATABASE_URL": "sqlite://", **settings})
    app.config["TESTING"] = True
    return app.test_client()


def access_lines(err: str) -> list[dict]:
    """The access lines among the JSON lines written to standard error."""
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "idp.access"]


def test_a_request_gets_a_new_id_even_if_it_offers_one_without_a_trusted_proxy(capsys):
    answer = provider().get("/.well-known/openid-configuration",
                            headers={"X-Request-ID": "chosen-by-the-client"})
    assert MADE.fullmatch(answer.headers["X-Request-ID"])
    [line] = access_lines(capsys.readouterr().err)
    assert line["request_id"] == answer.headers["X-Request-ID"]


def test_the_trusted_proxys_request_id_is_kept_and_logged(capsys):
    answer = provider(TRUSTED_PROXIES=1).get("/.well-known/openid-configuration",
                                             headers={"X-Request-ID": "nginx-7f3a.01:2"})
    assert answer.headers["X-Request-ID"] == "nginx-7f3a.01:2"
    [line] = access_lines(capsys.readouterr().err)
    assert line["request_id"] == "nginx-7f3a.01:2"


@pytest.mark.parametrize("offered", ["x" * 129, "has space", "<script>", "-leading-dash",
                                     "é-accent", ""])
def test_a_request_id_too_long_or_with_odd_characters_is_replaced(offered):
    answer = provider(TRUSTED_PROXIES=1).get("/.well-known/openid-configuration",
                                             headers={"X-Request-ID": offered})
    assert MADE.fullmatch(answer.headers["X-Request-ID"])


def test_the_access_line_names_the_endpoint_status_and_duration_not_the_path(capsys):
    client = provider()
    client.get("/.well-known/openid-configuration?code=query-secret-1")
    client.get("/password/reset/path-secret-2")
    err = capsys.readouterr().err
    first, second = access_lines(err)
    assert set(first) == {"time", "level", "logger", "message", "request_id", "method", "route",
                          "status", "duration_ms", "client_id", "user_id"}
    assert (first["route"], first["method"], first["status"]) == ("oidc.discovery", "GET", 200)
    assert first["level"] == "INFO" and first["time"].endswith("+00:00")
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert second["route"] == "password.reset"
    assert "query-secret-1" not in err and "path-secret-2" not in err


def test_every_line_of_a_request_carries_its_id(capsys):
    app = create_app({**TEST_SETTINGS, "DATABASE_URL": "sqlite://"})

    @app.get("/note")
    def note():
        app.logger.warning("something worth a line")
        return "noted"

    answer = app.test_client().get("/note")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["message"] for line in lines] == ["something worth a line", "GET note 200"]
    assert {line["request_id"] for line in lines} == {answer.headers["X-Request-ID"]}
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "idp"


def test_text_logs_for_development_read_as_one_plain_line(capsys):
    answer = provider(LOG_FORMAT="text").get("/.well-known/openid-configuration")
    [line] = [line for line in capsys.readouterr().err.splitlines() if "idp.access" in line]
    assert line.endswith(f"INFO [{answer.headers['X-Request-ID']}] idp.access: "
                         "GET oidc.discovery 200")


def test_a_librarys_warning_is_a_json_line_too_and_its_chatter_stays_out(capsys):
    provider()
    logging.getLogger("some.library").warning("storage unreachable, counting in memory")
    logging.getLogger("some.library").info("connected")
    [line] = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert (line["logger"], line["level"]) == ("some.library", "WARNING")
    assert line["message"] == "storage unreachable, counting in memory"


def test_the_access_line_of_a_signed_in_browser_names_the_person(app, actors, capsys):
    email = actors.user()
    rp = actors.rp()
    browser = app.test_client()
    actors.sign_in(browser, rp)
    capsys.readouterr()
    again = browser.get("/authorize", query_string=actors.auth_params(rp))
    assert again.headers["Location"].startswith(rp.redirect_uri)  # single sign-on: no screen
    with app.app_context():
        person = db.session.scalar(db.select(User.id).where(User.email == email))
    [line] = access_lines(capsys.readouterr().err)
    assert (line["route"], line["user_id"]) == ("oidc.authorize", person)
