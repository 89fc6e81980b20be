"""Fixtures: one migrated database per test run (SQLite, or PostgreSQL when
IDP_TEST_DATABASE_URL is set), emptied between tests; an app that sends e-mails and SMS to the
test mail catcher (emptied between tests too), its client and CLI runner; ``make_app`` for a
test that needs a provider with settings of its own."""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from idp import create_app
from idp.extensions import db, limiter
from idp.oidc.keys import key_ring

from .helpers import Actors

pytest_plugins = ["pytester", "tests.required", "tests.delivery_servers", "tests.chromium",
                  "tests.refusable_database", "tests.nodes_cluster"]

TEST_SETTINGS = {
    "ISSUER": "http://localhost",
    "PASSWORD_HASH_MEMORY_KIB": 1024,  # argon2id stays argon2id; cheaper so the suite is fast
    "PASSWORD_HASH_TIME_COST": 1,
    "SIGNING_ALGS": ["RS256", "ES256"],
    # Each job runs at once, after the commit of the request that asked for it, before the
    # answer leaves: a test reads the e-mail right after the request.
    "JOB_QUEUE_IMMEDIATE": True,
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("IDP_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'idp.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:  # start from an empty schema: migrations build it
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(database_url, mail_catcher, tmp_path_factory):
    demo_credentials = tmp_path_factory.mktemp("instance") / "demo_webmail.env"
    application = create_app({**TEST_SETTINGS, "DATABASE_URL": database_url,
                              "DEMO_WEBMAIL_ENV_FILE": str(demo_credentials),
                              **mail_catcher.settings})
    application.config["TESTING"] = True
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter reclaims them


@pytest.fixture(autouse=True)
def _clean_database(app, mail_catcher):
    """Each test starts with empty tables, no cached keys and no message in the mail catcher."""
    yield
    mail_catcher.clear()
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - model table names
        key_ring(app).invalidate()
        limiter.reset()  # rate-limit counters start at zero for every test


@pytest.fixture
def make_app(app, tmp_path, mail_catcher):
    """Build a provider of the test's own, on a migrated SQLite database of the test: with the
    suite's TEST_SETTINGS and mail catcher, then ``settings``; with ``defaults=True``, with
    config/default.toml alone (only the database is the test's)."""
    made = []

    def make(defaults=False, **settings):
        settings.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'own.sqlite3'}")
        suite = {} if defaults else {**TEST_SETTINGS, **mail_catcher.settings}
        application = create_app({**suite, **settings})
        application.config["TESTING"] = True
        with application.app_context():
            upgrade()
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()
    limiter.init_app(app)  # the suite's provider counts again in its own, empty, storage


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def actors(app):
    """Helpers that create people and clients and walk through the flows."""
    return Actors(app)
