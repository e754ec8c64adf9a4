"""Median time of the figure baseline over a 10,000-character report (goal: ≤ 5 ms).

Run: python benchmarks/figures_speed.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorer.figures import rules, scan  # noqa: E402
from scorer.pipeline import load_document  # noqa: E402


def ten_thousand_chars() -> str:
    texts = [load_document(p).text for p in sorted((ROOT / "tests/data/reports").glob("*.txt"))]
    joined = "\n".join(texts)
    return joined[:10_000]


def main(repeat: int = 200) -> float:
    text = ten_thousand_chars()
    rules()
    scan(text)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        scan(text)
        times.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(times)
    print(
        f"figure baseline on {len(text)} characters: median {median:.2f} ms over {repeat} runs (goal ≤ 5 ms)"
    )
    return median


if __name__ == "__main__":
    main()
