"""Write docs/settings.md, the settings reference, from config/default.toml: each setting with
its section, default, type and comment.

Run it after changing config/default.toml: `.venv/bin/python scripts/settings_reference.py`.
With `--check` it writes nothing and exits 1 when docs/settings.md is out of date
(tests/test_settings_reference.py does the same check).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = ROOT / "config" / "default.toml"
REFERENCE = ROOT / "docs" / "settings.md"
COMMAND = ".venv/bin/python scripts/settings_reference.py"
SECTION = re.compile(r"^#\s*-{2,}\s*(?P<name>.+?)\s*-*\s*$")
KEY = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)\s*=")

HEADER = f"""# Settings reference

Every setting of the provider, generated from [`config/default.toml`](../config/default.toml)
by `{COMMAND}`:
do not edit this page by hand (`tests/test_settings_reference.py` fails when it is out of
date). The defaults are safe development values. Override them with a TOML file named by
`IDP_CONFIG` (start from [`config/production.example.toml`](../config/production.example.toml)),
then with the environment variable `IDP_<KEY>`, parsed as the type of the default (booleans:
`true`/`false`; lists: JSON or comma-separated; tables: a JSON object). A bad value stops the
start-up with a message naming the setting. Deployment: [deployment.md](deployment.md)."""


@dataclass
class Setting:
    """One key of the defaults file, as the reference shows it."""

    section: str
    key: str
    default: Any
    comment: str


def settings_of(text: str) -> list[Setting]:
    """The settings of a defaults file, in its order: each key with the section it follows
    (``# --- Name ---``) and the comment lines just above it."""
    values = tomllib.loads(text)
    found, section, comment = [], "", []
    for line in text.splitlines():
        stripped = line.strip()
        if match := SECTION.match(stripped):
            section, comment = match["name"], []
        elif stripped.startswith("#"):
            comment.append(stripped.lstrip("#").strip())
        elif match := KEY.match(stripped):
            key = match["key"]
            found.append(Setting(section, key, values[key], " ".join(comment)))
            comment = []
        elif not stripped:
            comment = []
    return found


def type_of(value: Any) -> str:
    """The type of a default, as an operator writes it."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list of strings"
    return "table"


def shown(value: Any) -> str:
    """A default as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str | list | dict) \
        else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(text: str) -> str:
    """docs/settings.md for the defaults file ``text``."""
    lines = [HEADER]
    section = None
    for setting in settings_of(text):
        if setting.section != section:
            section = setting.section
            lines += ["", f"## {section or 'General'}", "",
                      "| setting | default | type | meaning |", "|---|---|---|---|"]
        lines.append(f"| `{setting.key}` | `{_cell(shown(setting.default))}` | "
                     f"{type_of(setting.default)} | {_cell(setting.comment)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    expected = render(DEFAULTS.read_text(encoding="utf-8"))
    if "--check" in argv:
        current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.exists() else ""
        if current != expected:
            print(f"docs/settings.md is out of date with config/default.toml: run `{COMMAND}`",
                  file=sys.stderr)
            return 1
        return 0
    REFERENCE.write_text(expected, encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
