"""The ``idp`` command, as outside tools use it: the contract of DESIGN.md.

Bad input ends with a non-zero exit code, one French line on stderr, and nothing written.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from flask_migrate import upgrade

from idp import create_app
from idp.accounts.users import check_password
from idp.demo import DEMO_PASSWORD, DEMO_USERS
from idp.extensions import db
from idp.models import AuditEvent, Client, Mailbox, MailboxAccess, Organisation, User
from idp.security import digest

from .conftest import TEST_SETTINGS
from .helpers import PASSWORD

EMAIL = "alice.martin@chu-test.mssante.fr"
DEFAULT_SCOPE = "openid profile email phone mailboxes offline_access"
IDP_SCRIPT = Path(sys.executable).parent / "idp"


def row_counts(app) -> dict[str, int]:
    """Number of rows of every table a command may write to."""
    with app.app_context():
        counts = {
            model.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Organisation, User, Mailbox, MailboxAccess, Client, AuditEvent)
        }
        db.session.commit()
        db.session.remove()
    return counts


def one_user(app, email: str = EMAIL) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        db.session.expunge_all()
    assert user is not None
    return user


def one_client(app, client_id: str) -> Client:
    with app.app_context():
        client = db.session.scalar(db.select(Client).where(Client.client_id == client_id))
        db.session.expunge_all()
    assert client is not None
    return client


def create_org(runner, code: str = "750000001", name: str = "CHU Test"):
    return runner.invoke(args=["orgs", "create", code, "--name", name])


def create_user(runner, email: str = EMAIL, *extra: str, password: str | None = None):
    args = ["users", "create", email, "--name", "Alice Martin",
            "--notification-email", "alice@example.org", *extra]
    if password is not None:
        return runner.invoke(args=[*args, "--password-stdin"], input=password + "\n")
    return runner.invoke(args=args)


def create_client(runner, *extra: str):
    return runner.invoke(args=["clients", "create", "--name", "Webmail", "--json", *extra])


def assert_refused(result, message: str) -> None:
    """A non-zero exit, with one French line that says why, and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_orgs_create_creates_an_organisation(app, runner):
    result = create_org(runner)

    assert result.exit_code == 0, result.output
    assert "750000001" in result.output
    with app.app_context():
        org = db.session.scalar(db.select(Organisation).where(Organisation.code == "750000001"))
        assert org.name == "CHU Test"
        db.session.commit()
        db.session.remove()


def test_users_create_with_every_option_creates_the_account(app, runner):
    create_org(runner)

    result = create_user(runner, EMAIL, "--phone", "+33612345678", "--org", "750000001",
                         "--role", "referent", password=PASSWORD)

    assert result.exit_code == 0, result.output
    assert EMAIL in result.output
    user = one_user(app)
    assert (user.given_name, user.family_name) == ("Alice", "Martin")
    assert user.notification_email == "alice@example.org"
    assert user.phone == "+33612345678"
    assert user.role == "referent"
    assert user.organisation_id is not None
    assert user.password_hash.startswith("$argon2id$")


def test_a_password_given_on_stdin_works_at_sign_in(runner, client, actors):
    assert create_user(runner, password=PASSWORD).exit_code == 0

    query = actors.sign_in(client, actors.rp())

    assert query["code"]


def test_users_create_without_a_password_leaves_none_to_guess(app, runner):
    assert create_user(runner).exit_code == 0

    assert one_user(app).password_hash is None


def test_users_set_notification_email_sends_a_confirmation_link_and_changes_nothing(
    app, runner, mail_catcher
):
    create_user(runner)

    result = runner.invoke(args=["users", "set-notification-email", EMAIL, "Alice@Example.NET"])

    assert result.exit_code == 0, result.output
    assert "Lien de confirmation envoyé à alice@example.net" in result.output
    assert one_user(app).notification_email == "alice@example.org"  # until the link is followed
    link, notice = (next(m for m in mail_catcher.messages("email") if m["to"] == [address])
                    for address in ("alice@example.net", "alice@example.org"))
    assert "/account/notification-email/confirm/" in link["text"]
    assert "/account/notification-email/confirm/" not in notice["text"]
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.event == "notification_email.change_requested")).all()
        assert event.detail["requested_by"] == "cli"
        db.session.commit()
        db.session.remove()


def test_users_set_notification_email_refuses_the_current_address(app, runner, mail_catcher):
    create_user(runner)
    before, sent = row_counts(app), len(mail_catcher.messages())

    result = runner.invoke(args=["users", "set-notification-email", EMAIL, "ALICE@example.org"])

    assert_refused(result, "« alice@example.org » est déjà l'adresse de notification")
    assert row_counts(app) == before and len(mail_catcher.messages()) == sent


def test_clients_create_prints_exactly_the_credentials_as_json(app, runner):
    result = create_client(runner, "--redirect-uri", "https://rp.example.org/cb")

    assert result.exit_code == 0, result.output
    credentials = json.loads(result.stdout)
    assert set(credentials) == {"client_id", "client_secret"}
    stored = one_client(app, credentials["client_id"])
    assert stored.secret_hash == digest(credentials["client_secret"])
    assert credentials["client_secret"] not in json.dumps(stored.client_metadata)


def test_clients_create_defaults_to_every_scope_a_webmail_needs(app, runner):
    result = create_client(runner, "--redirect-uri", "https://rp.example.org/cb")

    client_id = json.loads(result.stdout)["client_id"]
    stored = one_client(app, client_id)
    assert stored.scope == DEFAULT_SCOPE
    assert stored.grant_types == ["authorization_code"]
    assert stored.min_acr == "mfa"
    assert stored.token_endpoint_auth_method == "client_secret_basic"


def test_clients_create_for_a_public_client_prints_no_secret(app, runner):
    result = create_client(runner, "--redirect-uri", "http://localhost:8000/cb",
                           "--auth-method", "none", "--acr", "pwd", "--first-party")

    assert result.exit_code == 0, result.output
    credentials = json.loads(result.stdout)
    assert credentials["client_secret"] is None
    stored = one_client(app, credentials["client_id"])
    assert stored.secret_hash is None
    assert stored.first_party and stored.min_acr == "pwd"


def test_clients_create_without_json_shows_the_secret_once_in_words(runner):
    result = runner.invoke(args=["clients", "create", "--name", "Webmail",
                                 "--redirect-uri", "https://rp.example.org/cb"])

    assert result.exit_code == 0, result.output
    assert "client_id:" in result.output
    assert "affiché une seule fois" in result.output


def test_a_client_credentials_client_needs_no_redirect_uri(app, runner):
    result = create_client(runner, "--grant-type", "client_credentials", "--scope", "openid")

    assert result.exit_code == 0, result.output
    stored = one_client(app, json.loads(result.stdout)["client_id"])
    assert stored.grant_types == ["client_credentials"]
    assert stored.redirect_uris == []


def test_demo_seeds_the_demo_set_and_can_run_twice(app, runner):
    first = runner.invoke(args=["demo"])
    counts = row_counts(app)
    second = runner.invoke(args=["demo"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert first.output == second.output
    assert row_counts(app) == counts
    assert counts["users"] == 2 and counts["organisations"] == 1
    with app.app_context():
        boxes = sorted(db.session.execute(db.select(Mailbox.type, Mailbox.sensitive)).all())
        db.session.commit()
        db.session.remove()
    assert boxes == [("ORG", True), ("PER", False), ("PER", False)]


def test_demo_accounts_can_sign_in_with_the_printed_password(app, runner):
    result = runner.invoke(args=["demo"])

    assert DEMO_PASSWORD in result.output
    with app.app_context():
        for email, *_ in DEMO_USERS:
            assert check_password(email, DEMO_PASSWORD) is not None
        db.session.commit()
        db.session.remove()


def test_demo_refuses_to_seed_known_passwords_outside_development(tmp_path):
    production = create_app({**TEST_SETTINGS, "ENVIRONMENT": "production",
                             "ISSUER": "https://auth.example.org", "SECRET_KEY": "p" * 48,
                             "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}"})
    with production.app_context():
        upgrade()

    result = production.test_cli_runner().invoke(args=["demo"])

    assert_refused(result, "réservées au développement")
    assert set(row_counts(production).values()) == {0}
    with production.app_context():
        db.engine.dispose()


BAD_INPUT = [
    ("an invalid email", ["users", "create", "alice.martin", "--name", "Alice Martin",
                          "--notification-email", "alice@example.org"],
     "n'est pas une adresse e-mail valide"),
    ("an unknown organisation", ["users", "create", EMAIL, "--name", "Alice Martin",
                                 "--notification-email", "alice@example.org", "--org", "999"],
     "La structure « 999 » n'existe pas."),
    ("a phone number not in E.164 form", ["users", "create", EMAIL, "--name", "Alice Martin",
                                          "--notification-email", "alice@example.org",
                                          "--phone", "06 12 34 56 78"],
     "format international"),
    ("a notification email equal to the login", ["users", "create", EMAIL, "--name", "A B",
                                                 "--notification-email", EMAIL.upper()],
     "doit être différente"),
    ("an invalid organisation code", ["orgs", "create", "75 00", "--name", "CHU"],
     "L'identifiant de structure « 75 00 » est invalide"),
    ("an unknown account", ["users", "set-notification-email", "bob@chu-test.mssante.fr",
                            "bob@example.org"],
     "n'existe pas"),
    ("an http redirect URI to another machine",
     ["clients", "create", "--name", "RP", "--redirect-uri", "http://rp.example.org/cb"],
     "https obligatoire"),
    ("a redirect URI with a fragment",
     ["clients", "create", "--name", "RP", "--redirect-uri", "https://rp.example.org/cb#x"],
     "sans fragment"),
    ("an unknown scope", ["clients", "create", "--name", "RP", "--redirect-uri",
                          "https://rp.example.org/cb", "--scope", "openid gold"],
     "Portée inconnue : gold."),
    ("the admin scope for a service client without an admin role",
     ["clients", "create", "--name", "RP", "--grant-type", "client_credentials",
      "--scope", "admin"],
     "Portée inconnue : admin."),
    ("a client credentials client with a redirect URI",
     ["clients", "create", "--name", "RP", "--grant-type", "client_credentials",
      "--redirect-uri", "https://rp.example.org/cb"],
     "n'a pas d'URI de redirection"),
    ("a code flow client without a redirect URI", ["clients", "create", "--name", "RP"],
     "Au moins une URI de redirection est obligatoire."),
]


@pytest.mark.parametrize(("case", "args", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_refused_with_a_french_line_and_nothing_written(
    app, runner, case, args, message
):
    before = row_counts(app)

    result = runner.invoke(args=args)

    assert_refused(result, message)
    assert row_counts(app) == before


def test_a_duplicate_account_is_refused_and_nothing_written(app, runner):
    assert create_user(runner).exit_code == 0
    before = row_counts(app)

    result = create_user(runner, EMAIL.upper())

    assert_refused(result, f"Le compte « {EMAIL} » existe déjà.")
    assert row_counts(app) == before


def test_a_duplicate_organisation_is_refused_and_nothing_written(app, runner):
    assert create_org(runner).exit_code == 0
    before = row_counts(app)

    assert_refused(create_org(runner), "La structure « 750000001 » existe déjà.")
    assert row_counts(app) == before


def test_a_too_short_password_is_refused_and_nothing_written(app, runner):
    before = row_counts(app)

    assert_refused(create_user(runner, password="short"), "au moins 12 caractères")
    assert row_counts(app) == before


@pytest.fixture
def idp(tmp_path):
    """Run the installed ``idp`` script in a shell-like environment from another directory:
    no IDP_* variable but a database of its own in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP_", "FLASK_"))}
    env["IDP_DATABASE_URL"] = f"sqlite:///{tmp_path / 'script.db'}"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(IDP_SCRIPT), *args], cwd=tmp_path, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120, check=False)

    return run


def test_the_console_script_works_from_any_directory(tmp_path, idp):
    help_run = idp("--help")
    upgraded = idp("db", "upgrade")

    assert help_run.returncode == 0, help_run.stderr
    for command in ("db", "orgs", "users", "clients", "keys", "demo", "serve"):
        assert command in help_run.stdout
    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(tmp_path / "script.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"alembic_version", "users", "clients", "signing_keys"} <= tables
    assert not (tmp_path / "instance").exists()


def test_the_console_script_prints_nothing_but_json_with_json(idp):
    assert idp("db", "upgrade").returncode == 0
    created = idp("clients", "create", "--name", "Webmail", "--redirect-uri",
                  "https://rp.example.org/cb", "--json")
    refused = idp("users", "create", "alice", "--name", "A B", "--notification-email", "a@b.fr",
                  "--password-stdin", stdin=PASSWORD + "\n")

    assert created.returncode == 0, created.stderr
    assert set(json.loads(created.stdout)) == {"client_id", "client_secret"}
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "n'est pas une adresse e-mail valide" in refused.stderr
