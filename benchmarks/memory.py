"""G6: peak memory (and time scaling) scoring a big report with the rules backend, in a child process."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from harness import SEEDS, Config, Results, log, profiled, run_child, table, top_functions

from scorer.assess import Options, assess_file

_BIG_RUN = """
import json, sys, time
t0 = time.perf_counter()
from scorer.assess import Options, assess_file, card_json
from scorer.memo import render_memo
t1 = time.perf_counter()
result = assess_file(sys.argv[1], Options(backend="rules"))
t2 = time.perf_counter()
render_memo(result.card)
card_json(result.card)
t3 = time.perf_counter()
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print(json.dumps({"imports": t1 - t0, "assess": t2 - t1, "render": t3 - t2, "vmhwm_kb": int(hwm[0]),
                  "chars": len(result.doc.text), "chunks": len(result.doc.chunks)}), file=sys.stderr)
"""
HEADER = ["input", "wall s", "assess_file s", "render s", "peak RSS MB (rusage)", "VmHWM MB", "exit"]


def write_big(mb: float, path: Path) -> int:
    joined = "\n".join(p.read_text("utf-8").rstrip("\n") for p in SEEDS)
    copies = max(1, math.ceil(mb * 1_000_000 / len(joined.encode("utf-8"))))
    data = "\n".join([joined] * copies) + "\n"
    path.write_text(data, "utf-8")
    return len(data.encode("utf-8"))


def measure(path: Path, tmp: Path) -> tuple[float, float, int, dict[str, Any]]:
    """Wall s, peak RSS MB, exit code and the child's own report for one scoring of `path`."""
    wall, code, rss, err = run_child([sys.executable, "-c", _BIG_RUN, str(path)], tmp)
    info = json.loads(err.strip().splitlines()[-1]) if code == 0 else {}
    return wall, rss, code, info


def _row(label: str, size: int, wall: float, rss: float, code: int, info: dict[str, Any]) -> list[Any]:
    return [
        f"{label}: {size / 1e6:.2f} MB, {info.get('chars', '?')} chars, {info.get('chunks', '?')} chunks",
        f"{wall:.2f}",
        f"{info.get('assess', math.nan):.3f}",
        f"{info.get('render', math.nan):.3f}",
        f"{rss:.0f}",
        f"{info.get('vmhwm_kb', 0) / 1024:.0f}",
        code,
    ]


def run(cfg: Config, res: Results, tmp: Path) -> None:
    rows = [_row(f"seed {SEEDS[0].stem[:3]}", SEEDS[0].stat().st_size, *measure(SEEDS[0], tmp))]
    measured = []
    for mb in cfg.big_mb:
        path = tmp / f"big-{mb:g}MB.txt"
        size = write_big(mb, path)
        wall, rss, code, info = measure(path, tmp)
        measured.append((path, size, wall, rss, info))
        log(f"goal 6: {size / 1e6:.2f} MB: {wall:.1f} s, peak RSS {rss:.0f} MB, exit {code}")
        copies = math.ceil(size / sum(p.stat().st_size for p in SEEDS))
        rows.append(_row(f"seeds × {copies}", size, wall, rss, code, info))
    (p1, s1, _, _, i1), (_, s2, w2, rss2, i2) = measured[0], measured[-1]
    exponent = math.log(i2["assess"] / i1["assess"]) / math.log(s2 / s1) if i1 and i2 else math.nan
    res.row(
        "G6",
        f"peak RSS scoring a ~{cfg.big_mb[-1]:g} MB report (seeds repeated), rules backend, subprocess",
        f"{rss2:.0f} MB peak RSS, {w2:.1f} s wall ({s2 / 1e6:.2f} MB of UTF-8; "
        f"{rss2 / (s2 / 1e6):.0f} MB per MB of input; time ∝ size^{exponent:.2f})",
        "— (report)",
        None,
    )
    res.sections.append(
        "## G6 — memory on a big report\n\n"
        "A fresh `python -c` child imports the scorer and runs `assess_file(path, "
        "Options(backend='rules'))` + `render_memo` + `card_json` on the five seeds concatenated "
        "and repeated. Peak RSS is `getrusage(RUSAGE_CHILDREN).ru_maxrss` read by a small wrapper "
        "process whose only child is the scorer; the child's own `VmHWM` (from /proc/self/status) "
        "is shown as a cross-check. Wall time is measured by the wrapper and includes start-up and "
        "imports (≈ the seed row). One run per size.\n\n"
        + table(HEADER, rows)
        + f"\n\nScaling of assess_file from {s1 / 1e6:.2f} MB to {s2 / 1e6:.2f} MB: time ∝ size^"
        f"{exponent:.2f} (1.0 would be linear)."
    )
    if exponent > 1.3:
        log("goal 6: superlinear; profiling the smaller big report")
        stats = profiled(lambda: assess_file(p1, Options(backend="rules")))
        res.profiles.append(
            f"### G6 — big report (no target, but assess_file time grows as size^{exponent:.2f}); "
            f"cProfile of assess_file on the {s1 / 1e6:.2f} MB report\n\n" + top_functions(stats, 12)
        )
