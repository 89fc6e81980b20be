"""Every endpoint named in the code and the templates (``url_for("...")``) exists: a wrong
name is a 500 on the one page that builds it, which a test may never open."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "idp"
URL_FOR = re.compile(r"url_for\(\s*['\"]([\w]+\.[\w]+)['\"]")


def test_every_url_for_names_a_route(app):
    named = {(match.group(1), str(path.relative_to(PACKAGE)))
             for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.html")]
             for match in URL_FOR.finditer(path.read_text(encoding="utf-8"))}
    assert len(named) > 50  # the pattern still finds them
    assert sorted(item for item in named if item[0] not in app.view_functions) == []
