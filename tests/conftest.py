"""Shared fixtures: the five seed reports and their re-encoded variants."""

from __future__ import annotations

import os
import subprocess
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


SCORER = [sys.executable, "-m", "scorer"]


def hermetic_env(**extra: str) -> dict[str, str]:
    """The host environment without its endpoint, model, cache or config settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SCORER_"))}
    return {**env, "NO_COLOR": "1", "COLUMNS": "120", "PYTHONIOENCODING": "utf-8", **extra}


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The scorer CLI as a user runs it: a subprocess, by default in a hermetic environment."""
    return subprocess.run(
        [*SCORER, *args], capture_output=True, text=True, env=env or hermetic_env(), cwd=cwd, timeout=timeout
    )
