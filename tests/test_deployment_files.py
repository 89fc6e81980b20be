"""The systemd units of docs/deploy/ are ones systemd accepts as they are: every key known,
every value valid (`systemd-analyze verify`), with the `idp` of this installation in place of
/opt/idp's. The nginx example is run by tests/test_nodes.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .provider_process import IDP

DEPLOY = Path(__file__).resolve().parent.parent / "docs" / "deploy"
UNITS = ["idp-serve.service", "idp-worker.service"]
INSTALLED = "/opt/idp/.venv/bin/idp"


def verify(folder: Path, change=lambda text: text) -> str:
    """What `systemd-analyze verify` says of the units copied to ``folder``."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("this test needs systemd-analyze (apt-get install systemd)")
    for unit in UNITS:
        text = (DEPLOY / unit).read_text()
        assert INSTALLED in text, f"{unit} no longer runs {INSTALLED}: update {__file__}"
        (folder / unit).write_text(change(text.replace(INSTALLED, str(IDP))))
    checked = subprocess.run([analyze, "verify", *(str(folder / unit) for unit in UNITS)],
                             capture_output=True, text=True, timeout=60)
    return (checked.stdout + checked.stderr).strip()


def test_the_documented_units_are_valid(tmp_path):
    assert verify(tmp_path) == ""


def test_a_mistyped_option_would_be_reported(tmp_path):
    said = verify(tmp_path, lambda text: text.replace("ProtectHome=yes", "ProtectHomes=yes"))
    assert "Unknown key" in said and "ProtectHomes" in said
