"""Performance goals of the scorer, measured in one command; writes benchmarks/RESULTS.md.

Run:  python benchmarks/run.py [--quick] [--out benchmarks/RESULTS.md]

No network: the LLM path runs against tests/stub_server.py on 127.0.0.1. Timings are medians over
repeated runs; where a goal is a ratio, the ratio is taken within the same run. `--quick` is a
tiny version (fewer seeds, repeats and reports, shorter stub latency) for the smoke test; its
numbers are not meaningful.

The script first copies scorer/, prompts/, rubrics/, benchmarks/ and the stub helpers to a temp dir
and runs the copy of itself (PYTHONPATH for the `python -m scorer` children too), so edits made to
the working tree during a run cannot mix two versions into one report.

Each goal is a module next to this file with `run(cfg, res, tmp)`; harness.py holds what they share.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from types import ModuleType

# The goal modules import each other as top-level modules, from any working directory.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # also puts the code under test first on sys.path
    CODE,
    FULL,
    QUICK,
    ROOT,
    Config,
    Results,
    check_code_under_test,
    code_digest,
    log,
    machine,
    snapshot_and_rerun,
    table,
    workdir,
)


def goals() -> list[ModuleType]:
    """The goals in report order. Imported here, so only the snapshot's process imports scorer."""
    import llm_wall  # G1a, G1b
    import memory  # G6
    import offline  # G4a, G4b
    import prompt_budget  # G7
    import prompt_overhead  # G2
    import rerun  # G3a, G3b
    import startup  # G5a, G5b, G5c

    return [llm_wall, prompt_overhead, rerun, offline, startup, memory, prompt_budget]


def code_under_test(measured: str) -> str:
    """The "Code under test" section: what was measured, and whether the tree moved meanwhile."""
    live = code_digest(ROOT)
    if live != measured:
        log("note: the working tree changed during the run; the numbers are for the copy taken at the start")
    return (
        "A copy of scorer/, prompts/, rubrics/, the benchmark modules and the stub helpers taken when "
        f"the run started (working tree then: {os.environ.get('SCORER_BENCH_GIT', '?')}); sha256 of the "
        f"measured scorer/, prompts/, rubrics/: `{measured}`. "
        + (
            "The working tree still matched it at the end."
            if live == measured
            else f"The working tree changed during the run (now `{live}`); these numbers are for the copy."
        )
    )


def render(cfg: Config, res: Results, started: float, machine_md: str, code_md: str) -> str:
    """The whole RESULTS.md: header, machine, code, goal table, one section per goal, profiles."""
    summary = table(
        ["id", "goal", "measured", "target", "met"],
        [[r.id, r.goal, r.measured, r.target, r.met_text] for r in res.rows],
    )
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    parts = [
        "# Benchmarks" + (" (--quick: tiny version, numbers not meaningful)" if cfg.quick else ""),
        f"Produced by `python benchmarks/run.py{' --quick' if cfg.quick else ''}` in "
        f"{time.perf_counter() - started:.0f} s, no network (the LLM path runs against "
        "`tests/stub_server.py` on 127.0.0.1). Medians over repeated runs; ratios are taken within "
        "each run. These machines are shared and noisy, so compare ratios, and read absolute "
        "times with the load averages below.",
        "## Machine\n\n" + machine_md + f"\n\nLoad average at the end: {load}.",
        "## Code under test\n\n" + code_md,
        "## Goals\n\n" + summary,
        *res.sections,
        "## Profiles\n\nFor every goal that was missed (and for the big report if its time grows "
        "faster than its size).\n\n" + ("\n\n".join(res.profiles) if res.profiles else "No goal was missed."),
    ]
    return "\n\n".join(parts) + "\n"


def print_summary(res: Results) -> None:
    width = max(len(r.measured) for r in res.rows)
    print(f"{'id':5} {'met':4} {'target':18} measured")
    for r in res.rows:
        print(f"{r.id:5} {r.met_text.strip('*'):4} {r.target[:18]:18} {r.measured[:width]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny version for the smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    if CODE == ROOT:  # first call: measure a snapshot, so edits made meanwhile cannot mix versions
        out = str(args.out.resolve())
        return snapshot_and_rerun([*(["--quick"] if args.quick else []), "--out", out])
    cfg = QUICK if args.quick else FULL
    started = time.perf_counter()
    machine_md = machine()
    measured = code_digest(CODE)
    check_code_under_test()
    res = Results()
    with workdir() as tmp:
        for goal in goals():
            log(f"{goal.__name__} …")
            goal.run(cfg, res, tmp)
    text = render(cfg, res, started, machine_md, code_under_test(measured))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print_summary(res)
    print(f"\nwrote {args.out} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
