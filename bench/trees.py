"""The checkouts of the project that the benchmark serves: this one ("here") and, with
``--baseline PATH``, another one with its own .venv (an older commit, say), each on databases of
its own, since their schemas may differ by a migration."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Tree:
    """A checkout: its side's name in the tables, its folder, the folder of its .venv's
    commands and the name its databases start with."""

    side: str
    root: Path
    commands: Path
    database_prefix: str

    @property
    def idp(self) -> Path:
        """Its `idp` command."""
        return self.commands / "idp"

    @property
    def python(self) -> Path:
        """Its Python interpreter (its .venv, where its `idp` package is installed)."""
        return self.commands / "python"

    def commit(self) -> str:
        """The short commit id of its HEAD."""
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=self.root,
                              capture_output=True, text=True).stdout.strip()

    def database_name(self, accounts: int, first: bool) -> str:
        """``<prefix>`` for the main run, ``<prefix>_<accounts>`` for the others."""
        return self.database_prefix if first else f"{self.database_prefix}_{accounts}"


HERE = Tree("here", Path(__file__).resolve().parent.parent, Path(sys.executable).parent, "bench")


def baseline(path: str) -> Tree:
    """The checkout at ``path`` (stops with the way to prepare it when it has no .venv)."""
    root = Path(path).resolve()
    tree = Tree("baseline", root, root / ".venv" / "bin", "bench_base")
    if not tree.idp.exists():
        raise SystemExit(f"{tree.idp} is missing: run `make -C {root} .venv/bin/idp` first.")
    return tree
