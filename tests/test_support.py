"""Outside test data (../shared/fixtures, the stdlib's email samples): skipped where
absent, but a failure under CI, never a silent skip."""

from __future__ import annotations

from pathlib import Path

import pytest
import support


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_absent_data_fails_under_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        support.absent("shared fixtures not found")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_absent_data_skips_outside_ci(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        support.absent("shared fixtures not found")


def test_a_missing_shared_folder_fails_collection_under_ci(monkeypatch, tmp_path):
    monkeypatch.setattr(support, "SHARED_FIXTURES", tmp_path / "no-shared")
    monkeypatch.delenv("CI", raising=False)
    assert support.shared_files("imip") == []
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required under CI"):
        support.shared_files("imip")


def test_shared_fixtures_are_found_beside_the_repository():
    assert support.SHARED_FIXTURES.parent.parent == Path(__file__).parents[2]
