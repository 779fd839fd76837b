"""Shared fixtures: paths to the shipped real data."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


@pytest.fixture(scope="session")
def okhotsk_dir() -> Path:
    """The 2013-05-24 Mw 8.3 Sea of Okhotsk event at AE.113A and TA.POKR (from pyasdf, BSD-3)."""
    return DATA / "okhotsk_2013"


@pytest.fixture(scope="session")
def rf_dir() -> Path:
    """13 events at CX.PB01 (from rf, MIT)."""
    return DATA / "rf_example"
