"""G3a, G3b: a second scoring with cache=use makes no request, and how long a fully cached one takes."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from harness import Config, Results, log, median, table

from scorer.assess import Options, assess_file

from llm_fakes import honest_answer, settings_for
from stub_server import StubServer


def _seed(path: Path, cfg: Config, tmp: Path) -> tuple[int, float, list[Any]]:
    """Fill a fresh cache, then re-run `cfg.cache_reps` times: requests re-made, median time, table row."""
    cache_tmp = Path(tempfile.mkdtemp(dir=tmp, prefix="cache-"))
    with StubServer(honest_answer) as server:
        settings = settings_for(server.base_url, cache_tmp, cache="use")
        options = Options(backend="llm", settings=settings)
        first = assess_file(path, options)
        n1 = len(server.requests)
        t0 = time.perf_counter()
        second = assess_file(path, options)
        t_second = time.perf_counter() - t0
        n2 = len(server.requests) - n1
        times = [t_second]
        for _ in range(cfg.cache_reps - 1):
            t0 = time.perf_counter()
            assess_file(path, options)
            times.append(time.perf_counter() - t0)
        n_all = len(server.requests) - n1
    same = first.card.model_dump(exclude={"usage"}) == second.card.model_dump(exclude={"usage"})
    entries = len(list((cache_tmp / "cache").rglob("*.json")))
    log(f"goal 3: {path.stem}: first {n1} requests, re-runs {n_all}, cached {median(times) * 1000:.1f} ms")
    row = [
        path.stem,
        n1,
        entries,
        n2,
        n_all,
        second.extraction.usage.cache_hits,
        f"{median(times) * 1000:.1f}",
        "yes" if same else "**no**",
    ]
    return n_all, median(times), row


def run(cfg: Config, res: Results, tmp: Path) -> None:
    measured = [_seed(path, cfg, tmp) for path in cfg.cache_seeds]
    second_requests = [n for n, _, _ in measured]
    cached_times = [t for _, t, _ in measured]
    res.row(
        "G3a",
        "requests made by a second scoring with cache=use",
        f"{sum(second_requests)} over {len(second_requests)} seed(s) × {cfg.cache_reps} cached run(s)",
        "0",
        sum(second_requests) == 0,
    )
    res.row(
        "G3b",
        "time of a fully cached LLM-backend scoring (median)",
        f"median {median(cached_times) * 1000:.1f} ms (per seed: "
        + ", ".join(f"{t * 1000:.1f}" for t in cached_times)
        + " ms)",
        "—",
        None,
    )
    res.sections.append(
        "## G3 — re-run from the cache\n\n"
        "`settings_for(..., cache='use')` with a fresh cache directory per seed under a temp dir, "
        f"default chunk size, stub latency 0. First run fills the cache; then {cfg.cache_reps} timed "
        "runs against the same stub (same endpoint, so the same keys).\n\n"
        + table(
            [
                "seed",
                "1st run requests",
                "cache entries",
                "2nd run requests",
                "requests in all re-runs",
                "2nd run cache hits",
                "median cached run ms",
                "same card (but usage)",
            ],
            [row for _, _, row in measured],
        )
    )
