"""IDP_TEST_REQUIRE=all turns a skip into a failure that gives the skip's reason (a missing
browser, Node.js package, Redis or PostgreSQL must not leave CI green); without it a skip stays
a skip, and an expected failure stays one either way. Checked on a small suite run by pytest."""

from __future__ import annotations

SUITE = """
import pytest

def test_needing_redis():
    pytest.skip("no Redis server here")

@pytest.mark.skipif(True, reason="no browser here")
def test_needing_a_browser():
    pass

@pytest.mark.xfail(reason="a known defect")
def test_known_to_fail():
    assert False
"""


def test_with_every_piece_required_a_skip_fails_with_its_reason(pytester, monkeypatch):
    pytester.makepyfile(SUITE)
    monkeypatch.setenv("IDP_TEST_REQUIRE", "all")

    result = pytester.runpytest("-p", "tests.required")

    result.assert_outcomes(failed=1, errors=1, xfailed=1)  # a skip mark acts at set-up
    result.stdout.fnmatch_lines([  # errors are reported before failures
        "*IDP_TEST_REQUIRE=all, but this test was skipped: no browser here*",
        "*IDP_TEST_REQUIRE=all, but this test was skipped: no Redis server here*",
    ])


def test_a_module_skipped_as_it_is_collected_fails_too(pytester, monkeypatch):
    pytester.makepyfile('import pytest\npytest.importorskip("a_package_not_installed")\n')
    monkeypatch.setenv("IDP_TEST_REQUIRE", "all")

    result = pytester.runpytest("-p", "tests.required")

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*skipped: could not import 'a_package_not_installed'*"])


def test_without_the_variable_a_skip_stays_a_skip(pytester, monkeypatch):
    pytester.makepyfile(SUITE)
    monkeypatch.delenv("IDP_TEST_REQUIRE", raising=False)

    pytester.runpytest("-p", "tests.required").assert_outcomes(skipped=2, xfailed=1)


def test_an_unknown_value_is_refused_before_any_test_runs(pytester, monkeypatch):
    pytester.makepyfile(SUITE)
    monkeypatch.setenv("IDP_TEST_REQUIRE", "yes")

    result = pytester.runpytest("-p", "tests.required")

    assert result.ret == 4  # usage error
    result.stderr.fnmatch_lines(["*IDP_TEST_REQUIRE must be 'all' or empty, got 'yes'*"])
