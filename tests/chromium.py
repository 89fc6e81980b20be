"""Debian's Chromium driven by Playwright, for every test that needs a real browser; skipped
with a clear reason where Chromium is not installed (.ci/run installs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, started once; the tests are skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_browser(chromium, javascript: bool = True):
    """A fresh browser profile: no cookie, a laptop's screen, French."""
    return chromium.new_context(java_script_enabled=javascript, locale="fr-FR",
                                viewport={"width": 1024, "height": 760})


@pytest.fixture(scope="session")
def screenshot():
    """Save a full-page screenshot as tests/artifacts/<name>.png (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
