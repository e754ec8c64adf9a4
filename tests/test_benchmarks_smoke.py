"""The benchmark script runs end to end (tiny version) and reports every goal; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOALS = ["G1a", "G1b", "G2", "G3a", "G3b", "G4a", "G4b", "G5a", "G5b", "G5c", "G6", "G7"]


@pytest.mark.slow
def test_quick_benchmark_reports_every_goal(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text("utf-8")
    for goal in GOALS:
        assert f"| {goal} |" in text, f"no row for {goal}"
    assert "## Machine" in text and "## Profiles" in text
