"""A skipped test is a failed test where every piece must be present: with IDP_TEST_REQUIRE=all
(as .ci/run sets it), a test skipped for want of Chromium, Node.js and its packages, Redis or
PostgreSQL fails instead, with the reason of the skip. Without it, such a test is skipped with
that reason, so a developer's machine may lack a piece."""

from __future__ import annotations

import os

import pytest

VARIABLE = "IDP_TEST_REQUIRE"


def _required() -> bool:
    value = os.environ.get(VARIABLE, "")
    if value not in ("", "all"):
        raise pytest.UsageError(f"{VARIABLE} must be 'all' or empty, got {value!r}")
    return value == "all"


def pytest_configure(config) -> None:
    """Refuse an unknown value at once rather than at the first skip."""
    _required()


def _as_failure(report) -> None:
    """Turn a skip ``report`` into a failure that says what was missing."""
    if report.skipped and not hasattr(report, "wasxfail") and _required():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = str(reason).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"{VARIABLE}=all, but this test was skipped: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A test or its fixture skipped (pytest.skip, a skipif mark)."""
    report = yield
    _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped while it was collected (pytest.importorskip at its top)."""
    report = yield
    _as_failure(report)
    return report
