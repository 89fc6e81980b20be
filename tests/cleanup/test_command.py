"""`idp cleanup` as operators run it: one French line per kind with its count, or one JSON
object; a bad batch size is refused before anything is removed."""

from __future__ import annotations

import json

from idp.cli.cleanup import LABELS
from idp.models import AuthorizationCode, PasswordResetToken

from ..test_cli import idp  # noqa: F401 - the installed script, on a database of its own
from . import records as r


def test_the_command_says_what_it_removed_one_line_per_kind(app, runner, owners):
    r.add(app, r.code(owners.client, owners.user, r.ago(hours=2)),
          r.code(owners.client, owners.user, r.ago(hours=3)),
          r.password_link(owners.user, r.ago(hours=2)))

    result = runner.invoke(args=["cleanup"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(LABELS)
    assert "codes d'autorisation supprimés : 2" in lines
    assert "liens de mot de passe (oubli ou création) supprimés : 1" in lines
    assert "sessions expirées terminées, clients prévenus : 0" in lines
    assert r.count(app, AuthorizationCode) == r.count(app, PasswordResetToken) == 0


def test_the_command_gives_its_counts_as_json(app, runner, owners):
    r.add(app, r.code(owners.client, owners.user, r.ago(hours=2)))

    result = runner.invoke(args=["cleanup", "--json", "--batch-size", "1"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert set(counts) == set(LABELS)
    assert counts["authorization_codes"] == 1
    assert sum(counts.values()) == 1


def test_a_batch_size_below_one_is_refused_and_nothing_removed(app, runner, owners):
    r.add(app, r.code(owners.client, owners.user, r.ago(hours=2)))

    result = runner.invoke(args=["cleanup", "--batch-size", "0"])

    assert result.exit_code == 2
    assert "--batch-size" in result.output
    assert r.count(app, AuthorizationCode) == 1


def test_the_installed_script_cleans_a_database_of_its_own(idp):  # noqa: F811
    assert idp("db", "upgrade").returncode == 0
    run = idp("cleanup", "--json")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == dict.fromkeys(LABELS, 0)
