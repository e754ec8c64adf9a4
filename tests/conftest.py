"""Shared fixtures: the five seed reports and their re-encoded variants."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
REPORTS = TESTS / "data" / "reports"
SEEDS = sorted(p.stem for p in REPORTS.glob("*.txt"))
sys.path.insert(0, str(TESTS))


@pytest.fixture(params=SEEDS)
def seed(request: pytest.FixtureRequest) -> str:
    return request.param


def seed_path(seed: str) -> Path:
    return REPORTS / f"{seed}.txt"
