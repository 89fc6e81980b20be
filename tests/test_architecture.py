"""The house plan's arrows (docs/architecture.md) hold: the import contracts of pyproject.toml
pass on the code as it is, and fail, naming the import, when a forbidden one is planted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(package_parent: Path) -> subprocess.CompletedProcess:
    """lint-imports with the project's contracts, on the ``idp`` package found first in
    ``package_parent``."""
    return subprocess.run([str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=package_parent, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(package_parent)},
                          check=False, timeout=120)


@pytest.fixture(scope="module")
def copy_of_the_code(tmp_path_factory) -> Path:
    parent = tmp_path_factory.mktemp("plan")
    shutil.copytree(ROOT / "idp", parent / "idp",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates",
                                                  "translations", "data"))
    return parent


def test_the_code_keeps_every_contract(copy_of_the_code):
    result = lint(copy_of_the_code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("oidc/tokens.py", "from ..interaction import screens", "never imports the sign-in"),
    ("interaction/flow.py", "from ..oidc import tokens", "never import the protocol"),
    ("accounts/users.py", "from ..admin.web import access", "never reach up to the edges"),
    ("settings.py", "from .accounts import users", "Settings import no service"),
    ("admin/web/client_views.py", "from ...oidc import grants", "not protocol internals"),
    ("audit.py", "from .delivery import records", "No package cycle"),
    ("observability/events.py", "from ..accounts import users", "Observability imports no"),
    ("delivery/records.py", "from ..probes import checks", "never reach up to the edges"),
    ("jobs/later.py", "from ..accounts import users", "The job queue imports no service"),
    ("accounts/password_reset.py", "from ..tasks import catalog", "never reach up to the edges"),
])
def test_a_planted_forbidden_import_breaks_its_contract(copy_of_the_code, module, planted,
                                                        contract):
    path = copy_of_the_code / "idp" / module
    original = path.read_text()
    try:
        path.write_text(original + f"\n{planted}  # noqa\n")
        result = lint(copy_of_the_code)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts")[-1]
    assert contract in broken, result.stdout


EDGES_THAT_COMMIT = {"idp/unit_of_work.py", "idp/cli/common.py"}


def test_a_commit_outside_the_edges_says_why_it_is_the_point():
    """One unit of work per request and per command: services change and flush; a commit
    anywhere else than the two edges is an exception that says why, on its line."""
    silent = [f"{path.relative_to(ROOT)}:{number}"
              for path in sorted((ROOT / "idp").rglob("*.py"))
              if str(path.relative_to(ROOT)) not in EDGES_THAT_COMMIT
              for number, line in enumerate(path.read_text().splitlines(), 1)
              if "db.session.commit()" in line and "#" not in line]
    assert silent == []
