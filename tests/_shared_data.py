"""Locate ``../shared/data`` (real public exports beside the checkout) for ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "data"


def shared_data(relative: str = "") -> Path:
    """The path under ../shared/data, or skip the test when it is absent (a user's clone)."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"../shared/data not present (a user's clone): {path}")
    return path
