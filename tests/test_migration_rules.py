"""Rolling upgrades: a migration written after EXPAND_ONLY_AFTER only adds (docs/upgrades.md),
so that nodes of the previous release keep working on the upgraded schema. Removing, renaming,
retyping, or making a column required without a server default is a contract step: allowed only
in a migration that names, in CONTRACT_AFTER_RELEASE, the release after which it runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The last revision written before the rule: every later one is checked.
EXPAND_ONLY_AFTER = "5c1f0e8a9d27"
# The previous release: its migrations end at EXPAND_ONLY_AFTER, and its nodes must keep working
# on the schema this code upgrades (tests/test_rolling_upgrade.py). When a release contracts,
# both move forward together: this commit becomes that release's, EXPAND_ONLY_AFTER its head.
PREVIOUS_RELEASE = "89337aabb41d66d4f8f264c8acdae6169b0a4079"
MARKER = "CONTRACT_AFTER_RELEASE"
REMOVING = {"drop_table": "drops a table", "drop_column": "drops a column",
            "rename_table": "renames a table"}
REMOVING_SQL = ("DROP TABLE", "DROP COLUMN", "RENAME ", "SET NOT NULL", "ALTER COLUMN")


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _contract_operation(call: ast.Call) -> str | None:
    """What ``call`` does that the previous release could not live with, or None."""
    name, keywords = _name(call), _keywords(call)
    if name in REMOVING:
        return REMOVING[name]
    if name == "alter_column":
        if "new_column_name" in keywords:
            return "renames a column"
        if "type_" in keywords:
            return "changes a column's type"
        if _is_false(keywords.get("nullable")) and "server_default" not in keywords:
            return "makes a column required without a server_default"
    if name == "add_column":
        for column in (arg for arg in call.args if isinstance(arg, ast.Call)):
            column_keywords = _keywords(column)
            if _is_false(column_keywords.get("nullable")) and \
                    "server_default" not in column_keywords:
                return "adds a required column without a server_default"
    if name == "execute":
        sql = " ".join(str(node.value).upper() for arg in call.args for node in ast.walk(arg)
                       if isinstance(node, ast.Constant) and isinstance(node.value, str))
        found = [words.strip() for words in REMOVING_SQL if words in sql]
        if found:
            return f"runs SQL with {', '.join(found)}"
    return None


def contract_steps(source: str) -> list[str]:
    """What the ``upgrade()`` of a migration's ``source`` removes or narrows (line: what),
    unless the module names the release it contracts after."""
    tree = ast.parse(source)
    if any(isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
           and str(node.value.value).strip()
           and any(getattr(target, "id", "") == MARKER for target in node.targets)
           for node in tree.body):
        return []
    upgrade = next((node for node in tree.body
                    if isinstance(node, ast.FunctionDef) and node.name == "upgrade"), None)
    if upgrade is None:
        return []
    return [f"line {call.lineno}: {what}" for call in ast.walk(upgrade)
            if isinstance(call, ast.Call) and (what := _contract_operation(call))]


def revisions_after_the_rule() -> list:
    """The migrations written after EXPAND_ONLY_AFTER, newest first."""
    script = ScriptDirectory(str(MIGRATIONS))
    later = []
    for revision in script.walk_revisions():
        if revision.revision == EXPAND_ONLY_AFTER:
            return later
        later.append(revision)
    pytest.fail(f"EXPAND_ONLY_AFTER names no revision: {EXPAND_ONLY_AFTER}")


def test_every_migration_after_the_rule_only_adds_or_names_its_release():
    problems = {revision.path: steps for revision in revisions_after_the_rule()
                if (steps := contract_steps(Path(revision.path).read_text()))}
    assert not problems, (
        "these migrations remove or narrow what the running release uses; split them (expand "
        f"now, contract one release later, with {MARKER} = \"<release>\"; docs/upgrades.md): "
        f"{problems}")


EXPAND = '''
def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(80), nullable=True))
    op.add_column("users", sa.Column("kind", sa.String(8), nullable=False, server_default="PER"))
    op.create_table("notes", sa.Column("id", sa.Integer, nullable=False))
    op.create_index("ix_users_nickname", "users", ["nickname"])

def downgrade():
    op.drop_column("users", "nickname")
    op.drop_table("notes")
'''

CONTRACTS = {
    'op.drop_column("users", "phone")': "drops a column",
    'op.drop_table("old_codes")': "drops a table",
    'op.rename_table("users", "people")': "renames a table",
    'op.alter_column("users", "phone", new_column_name="mobile")': "renames a column",
    'op.alter_column("users", "phone", type_=sa.Text())': "changes a column's type",
    'op.alter_column("users", "phone", nullable=False)':
        "makes a column required without a server_default",
    'op.add_column("users", sa.Column("kind", sa.String(8), nullable=False))':
        "adds a required column without a server_default",
    'op.execute("ALTER TABLE users DROP COLUMN phone")': "runs SQL with DROP COLUMN",
}


def test_a_migration_that_only_adds_passes():
    assert contract_steps(EXPAND) == []


@pytest.mark.parametrize("statement", CONTRACTS, ids=CONTRACTS.values())
def test_each_contract_step_is_found_directly_or_in_a_batch(statement):
    direct = f"def upgrade():\n    {statement}\n"
    batch = ("def upgrade():\n    with op.batch_alter_table('users') as batch_op:\n        "
             + statement.replace("op.", "batch_op.", 1).replace('"users", ', "", 1) + "\n")
    assert contract_steps(direct) == [f"line 2: {CONTRACTS[statement]}"]
    assert contract_steps(batch) == [f"line 3: {CONTRACTS[statement]}"]


def test_a_contract_step_that_names_its_release_passes():
    step = 'def upgrade():\n    op.drop_column("users", "phone")\n'
    assert contract_steps(f'{MARKER} = "0.3.0"\n{step}') == []
    assert contract_steps(f'{MARKER} = ""\n{step}') == ["line 3: drops a column"]
