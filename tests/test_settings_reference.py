"""docs/settings.md is generated from config/default.toml (scripts/settings_reference.py): it is
up to date, names every setting with its section, default, type and comment, and follows any
setting added to the defaults file."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "settings_reference.py"
_spec = importlib.util.spec_from_file_location("settings_reference", SCRIPT)
reference = sys.modules[_spec.name] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)


def test_docs_settings_md_is_up_to_date():
    expected = reference.render(reference.DEFAULTS.read_text(encoding="utf-8"))
    assert reference.REFERENCE.read_text(encoding="utf-8") == expected, (
        f"docs/settings.md is out of date with config/default.toml: run `{reference.COMMAND}`")


def test_every_setting_is_documented_with_a_comment():
    text = reference.DEFAULTS.read_text(encoding="utf-8")
    settings = reference.settings_of(text)
    assert [s.key for s in settings] == list(reference.tomllib.loads(text))
    assert not [s.key for s in settings if not s.comment or not s.section]


def test_a_new_setting_appears_with_its_section_default_type_and_comment():
    text = ('# Every setting.\n\n# --- Jobs ----------\n# How often the worker looks for jobs,\n'
            '# in seconds.\nJOB_POLL_SECONDS = 2\n\n# Queues | names.\nJOB_QUEUES = ["a", "b"]\n'
            '# --- Other ---\nFLAG = true\nRATIO = 0.5\nPLACES = {}\n')
    rendered = reference.render(text)
    assert "## Jobs\n" in rendered and "## Other\n" in rendered
    assert ("| `JOB_POLL_SECONDS` | `2` | integer | How often the worker looks for jobs, "
            "in seconds. |") in rendered
    assert '| `JOB_QUEUES` | `["a", "b"]` | list of strings | Queues \\| names. |' in rendered
    assert "| `FLAG` | `true` | boolean |  |" in rendered
    assert "| `RATIO` | `0.5` | number |" in rendered and "| `PLACES` | `{}` | table |" in rendered


def test_the_check_says_how_to_regenerate(tmp_path):
    current = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True,
                             text=True, cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    stale = tmp_path / "scripts"
    stale.mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "docs").mkdir()
    (stale / "settings_reference.py").write_text(SCRIPT.read_text())
    (tmp_path / "config" / "default.toml").write_text(
        reference.DEFAULTS.read_text() + "# A new one.\nNEW_SETTING = 1\n")
    (tmp_path / "docs" / "settings.md").write_text(reference.REFERENCE.read_text())
    refused = subprocess.run([sys.executable, str(stale / "settings_reference.py"), "--check"],
                             capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 1
    assert f"docs/settings.md is out of date with config/default.toml: run " \
           f"`{reference.COMMAND}`" in refused.stderr
