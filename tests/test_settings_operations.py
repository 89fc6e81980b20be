"""Settings of running the provider in production: logs, metrics and the job queue; bad values
stop the start-up with the setting's name."""

from __future__ import annotations

import pytest

from idp.settings import SettingsError, load_settings

from .test_settings import STRONG_SECRET


def test_logs_are_json_unless_text_is_asked_for_and_nothing_else_is_accepted():
    assert load_settings(environ={})["LOG_FORMAT"] == "json"
    assert load_settings(environ={"IDP_LOG_FORMAT": "text"})["LOG_FORMAT"] == "text"
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings(environ={"IDP_LOG_FORMAT": "xml"})


def test_metrics_are_open_to_this_machine_only_by_default():
    settings = load_settings(environ={})
    assert settings["METRICS_ALLOWED_NETWORKS"] == ["127.0.0.0/8", "::1/128"]
    assert settings["METRICS_BEARER_TOKEN"] == ""


def test_a_metrics_network_that_is_not_a_network_is_refused_with_its_name():
    with pytest.raises(SettingsError, match="METRICS_ALLOWED_NETWORKS.*10.0.0.300/8"):
        load_settings(environ={"IDP_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,10.0.0.300/8"})
    assert load_settings(environ={"IDP_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8, fd00::/8"})[
        "METRICS_ALLOWED_NETWORKS"] == ["10.0.0.0/8", "fd00::/8"]


def test_production_refuses_a_short_metrics_token():
    production = {"ENVIRONMENT": "production", "SECRET_KEY": STRONG_SECRET,
                  "ISSUER": "https://auth.example.fr"}
    with pytest.raises(SettingsError, match="METRICS_BEARER_TOKEN"):
        load_settings({**production, "METRICS_BEARER_TOKEN": "short"}, environ={})
    assert load_settings({**production, "METRICS_BEARER_TOKEN": "t" * 40},
                         environ={})["METRICS_BEARER_TOKEN"] == "t" * 40


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "amqp://broker", "jobs.sqlite3"])
def test_a_job_queue_url_that_is_neither_redis_nor_a_sqlite_file_is_refused(url):
    with pytest.raises(SettingsError, match="JOB_QUEUE_URL"):
        load_settings(environ={"IDP_JOB_QUEUE_URL": url})


@pytest.mark.parametrize("url", ["", "redis://127.0.0.1:6379/1", "sqlite:///instance/q.db"])
def test_the_job_queue_is_a_sqlite_file_by_default_or_redis_for_several_nodes(url):
    assert load_settings(environ={"IDP_JOB_QUEUE_URL": url})["JOB_QUEUE_URL"] == url


def test_a_first_retry_waiting_longer_than_the_longest_wait_is_refused():
    with pytest.raises(SettingsError, match="JOB_RETRY_BASE_SECONDS"):
        load_settings(environ={"IDP_JOB_RETRY_BASE_SECONDS": "60",
                               "IDP_JOB_RETRY_MAX_SECONDS": "30"})


@pytest.mark.parametrize(("key", "value"), [("JOB_MAX_RETRIES", "-1"),
                                            ("JOB_RETRY_BASE_SECONDS", "0"),
                                            ("JOB_WORKER_THREADS", "0")])
def test_a_negative_retry_count_or_a_non_positive_wait_is_refused_with_its_name(key, value):
    with pytest.raises(SettingsError, match=key):
        load_settings(environ={"IDP_" + key: value})


def test_no_retry_at_all_is_allowed():
    assert load_settings(environ={"IDP_JOB_MAX_RETRIES": "0"})["JOB_MAX_RETRIES"] == 0


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_a_worker_metrics_port_that_is_not_a_tcp_port_is_refused(port):
    with pytest.raises(SettingsError, match="JOB_WORKER_METRICS_PORT"):
        load_settings(environ={"IDP_JOB_WORKER_METRICS_PORT": port})
    assert load_settings(environ={})["JOB_WORKER_METRICS_PORT"] == 0  # not served by default
