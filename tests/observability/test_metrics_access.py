"""Who may read /metrics: the listed networks (loopback by default), or the bearer token; a
refusal is 403, or 401 with a challenge when a token could open it."""

from __future__ import annotations

import pytest

from idp import create_app

from ..conftest import TEST_SETTINGS

TOKEN = "m" * 40


def provider(**settings):
    """A provider of the test (no request here reaches the database)."""
    app = create_app({**TEST_SETTINGS, "DATABASE_URL": "sqlite://", **settings})
    app.config["TESTING"] = True
    return app.test_client()


def scrape(client, address: str, **headers):
    return client.get("/metrics", environ_base={"REMOTE_ADDR": address}, headers=headers)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_this_machine_reads_the_metrics_by_default(address):
    answer = scrape(provider(), address)
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    assert "# TYPE idp_http_requests_total counter" in answer.text


@pytest.mark.parametrize("address", ["10.0.0.5", "2001:db8::1", "not-an-address"])
def test_any_other_address_is_refused_by_default(address):
    answer = scrape(provider(), address)
    assert answer.status_code == 403
    assert answer.json == {"error": "forbidden"}
    assert "idp_" not in answer.text


def test_a_listed_network_reads_and_loopback_no_longer_does_once_left_out():
    client = provider(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
    assert scrape(client, "10.20.30.40").status_code == 200
    assert scrape(client, "127.0.0.1").status_code == 403


def test_the_bearer_token_opens_the_metrics_from_anywhere_and_nothing_else_does():
    client = provider(METRICS_BEARER_TOKEN=TOKEN)
    assert scrape(client, "10.0.0.5", Authorization=f"Bearer {TOKEN}").status_code == 200
    for headers in ({}, {"Authorization": "Bearer " + "x" * 40},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer"}):
        answer = scrape(client, "10.0.0.5", **headers)
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "idp_" not in answer.text
    assert scrape(client, "127.0.0.1").status_code == 200  # the network list still counts


def test_with_no_network_listed_only_the_token_opens_them():
    client = provider(METRICS_ALLOWED_NETWORKS=[], METRICS_BEARER_TOKEN=TOKEN)
    assert scrape(client, "127.0.0.1").status_code == 401
    assert scrape(client, "127.0.0.1", Authorization=f"Bearer {TOKEN}").status_code == 200


def test_behind_a_trusted_proxy_the_address_checked_is_the_client_it_reports():
    client = provider(TRUSTED_PROXIES=1)
    outside = scrape(client, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.9"})
    inside = scrape(client, "127.0.0.1", **{"X-Forwarded-For": "127.0.0.1"})
    assert (outside.status_code, inside.status_code) == (403, 200)


def test_the_metrics_answer_get_only_and_are_never_cached():
    client = provider()
    refused = client.post("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, HEAD"
    assert scrape(client, "127.0.0.1").headers["Cache-Control"] == "no-store"
