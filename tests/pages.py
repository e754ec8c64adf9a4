"""Shared by the page tests: a batch of the seeds plus a hostile report, and varied copies of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from scorer.assess import Options
from scorer.batch import Job, Outcome, collect, run_batch

from conftest import REPORTS

HOSTILE_NAME = 'hostile<img src=x onerror="window.__pwned=4">#?.txt'
# Report text that would run script if anything from a report reached the page unescaped.
HOSTILE_LINES = (
    "<script>window.__pwned=1;alert(1)</script>",
    '</style><img src=x onerror="window.__pwned=2;alert(2)">',
    '<a href="javascript:window.__pwned=3;alert(3)">点此查看</a>',
    "[点此](javascript:alert(4)) **加粗** <!-- 注释 -->",
)


def hostile_report(seed_text: str) -> str:
    """A real report with injections in a heading, a credited sentence and the closing lines."""
    lines = seed_text.splitlines()
    lines.insert(3, HOSTILE_LINES[0])
    lines.insert(8, f"全年办理行政复议案件54件{HOSTILE_LINES[1]}。")
    return "\n".join([*lines, *HOSTILE_LINES[2:]]) + "\n"


def build_batch(root: Path) -> tuple[Path, list[Outcome]]:
    """`scorer batch` (rules backend) over the five seeds and a hostile report; the outcomes as read
    back from the JSON written, the way a resumed batch reads them."""
    reports = root / "reports"
    reports.mkdir()
    for path in sorted(REPORTS.glob("*.txt")):
        (reports / path.name).write_bytes(path.read_bytes())
    seed = (REPORTS / "000_bbf3d8a01ec62c26.txt").read_text("utf-8")
    (reports / HOSTILE_NAME).write_text(hostile_report(seed), "utf-8")
    out = root / "out"
    code = run_batch(
        [reports], out, Options(backend="rules"), force=True, jobs=1, console=Console(quiet=True)
    )
    assert code == 0
    jobs, _ = collect([reports])
    outcomes = [Outcome(j, json.loads((out / f"{j.stem}.json").read_text("utf-8"))) for j in jobs]
    return out, outcomes


def varied(card: dict[str, Any], i: int) -> dict[str, Any]:
    """A copy of a card with its scores scaled, so sorting a column really reorders it."""
    scale = 0.4 + (i * 37 % 60) / 100
    dims = [{**d, "score": round(d["score"] * scale, 2)} for d in card["dimensions"]]
    return {**card, "dimensions": dims, "total": round(card["total"] * scale, 2)}


def with_copies(outcomes: list[Outcome], n: int) -> list[Outcome]:
    """The outcomes plus N varied copies (linking to the originals' pages)."""
    copies = []
    for i in range(n):
        o = outcomes[i % len(outcomes)]
        assert o.card is not None
        name = o.job.path.with_name(f"副本{i:04d}-{o.job.path.name}")
        copies.append(Outcome(Job(name, o.job.stem), varied(o.card, i)))
    return [*outcomes, *copies]
