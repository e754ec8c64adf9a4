"""G4a, G4b: the offline (rules) path, in process per report and as `scorer batch` over many reports."""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import SEEDS, Config, Results, log, median, profiled, run_child, table, top_functions

from scorer.assess import Options, assess_file, card_json, choose_outline, notes_for
from scorer.memo import render_memo
from scorer.pipeline import load_document

OFFLINE_GOAL_MS = 20.0
BATCH_GOAL_S = 30.0


def offline_once(path: Path) -> float:
    t0 = time.perf_counter()
    result = assess_file(path, Options(backend="rules"))
    render_memo(result.card)
    card_json(result.card)
    return time.perf_counter() - t0


def stage_times(path: Path) -> dict[str, float]:
    """The offline pipeline by stage, as assess_file runs it (figures are scanned twice there)."""
    from scorer.chunking import chunk_text as chunk
    from scorer.figures import scan
    from scorer.ingest import read_report
    from scorer.metadata import extract_metadata
    from scorer.normalize import normalize
    from scorer.pipeline import Document
    from scorer.rubric import gather_evidence, score
    from scorer.rules import extract_rules

    out: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        value = fn()
        out[name] = time.perf_counter() - t0
        return value

    raw = timed("ingest (read_report)", lambda: read_report(path))
    norm = timed("normalize", lambda: normalize(raw.text))
    md = timed("metadata", lambda: extract_metadata(norm, encoding=raw.encoding))
    chunks = timed("chunk", lambda: tuple(chunk(norm.text, max_chars=6000)))
    doc = Document(raw=raw, norm=norm, metadata=md, chunks=chunks)
    outline = timed("choose rubric", lambda: choose_outline("auto", doc))
    timed("(figures scan, once — inside each of the next two)", lambda: scan(doc.text))
    extraction = timed("rules extraction (scans figures)", lambda: extract_rules(doc, outline))
    evidence = timed(
        "gather_evidence: grounding + cross-check (scans figures)",
        lambda: gather_evidence(doc, extraction, outline),
    )
    card = timed(
        "score (rubric)",
        lambda: score(outline, extraction, evidence, doc, notes=notes_for(doc, extraction, outline, "auto")),
    )
    timed("render_memo", lambda: render_memo(card))
    timed("card_json", lambda: card_json(card))
    return out


def write_variants(n: int, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    texts = [(p.stem, p.read_text("utf-8").rstrip("\n")) for p in SEEDS]
    for i in range(n):
        stem, text = texts[i % len(texts)]
        (directory / f"r{i:04d}_{stem}.txt").write_text(f"{text}\n本报告为第{i + 1}号测试变体。\n", "utf-8")


def batch_cmd(directory: Path, out: Path, jobs: int) -> list[str]:
    """`python -m scorer batch` over `directory` with the rules backend."""
    cmd = [sys.executable, "-m", "scorer", "batch", str(directory), "--out", str(out)]
    return [*cmd, "--backend", "rules", "--jobs", str(jobs)]


@dataclass
class Batch:
    """One `scorer batch` run over `reports` inputs (G4b), and the --jobs 1 / 2 comparison."""

    reports: int
    wall: float
    code: int
    written: int
    rss: float
    gil: dict[int, list[float]]

    @property
    def met(self) -> bool:
        return self.wall <= BATCH_GOAL_S and self.code == 0 and self.written == self.reports


# --------------------------------------------------------------------------- measurements


def _in_process(
    cfg: Config,
) -> tuple[dict[Path, float], dict[Path, list[float]], dict[Path, list[dict[str, float]]]]:
    """First call per seed, then whole and by-stage runs alternating, so both see the same load."""
    gc.collect()  # start from a clean heap after the LLM goals
    cold = {p: offline_once(p) for p in SEEDS}  # first call per seed loads rubric, OpenCC, regexes
    times: dict[Path, list[float]] = {p: [] for p in SEEDS}
    stages: dict[Path, list[dict[str, float]]] = {p: [] for p in SEEDS}
    for _ in range(cfg.offline_reps):
        for path in SEEDS:
            times[path].append(offline_once(path))
            stages[path].append(stage_times(path))
    return cold, times, stages


def _batch(cfg: Config, tmp: Path) -> Batch:
    batch_dir = tmp / "batch-in"
    write_variants(cfg.batch_reports, batch_dir)
    out = tmp / "batch-out"
    log(f"goal 4: scorer batch over {cfg.batch_reports} reports, --jobs 2")
    wall, code, rss, _ = run_child(batch_cmd(batch_dir, out, 2), tmp)
    written = len(list(out.glob("*.json")))
    log(f"goal 4: batch {wall:.1f} s, exit {code}, {written} JSON, peak RSS {rss:.0f} MB")
    # Does --jobs 2 use the second core? Same reports, --jobs 1 vs --jobs 2, fresh output dirs.
    gil_dir = tmp / "gil-in"
    write_variants(cfg.gil_reports, gil_dir)
    gil: dict[int, list[float]] = {}
    for jobs in (1, 2, 1, 2):
        o = Path(tempfile.mkdtemp(dir=tmp, prefix="gil-out-"))
        w, _, _, _ = run_child(batch_cmd(gil_dir, o, jobs), tmp)
        gil.setdefault(jobs, []).append(w)
    return Batch(cfg.batch_reports, wall, code, written, rss, gil)


def run(cfg: Config, res: Results, tmp: Path) -> None:
    cold, times, stages = _in_process(cfg)
    medians = {p: median(ts) * 1000 for p, ts in times.items()}
    worst = max(medians.values())
    met_a = worst <= OFFLINE_GOAL_MS
    res.row(
        "G4a",
        "offline in-process time per report (assess_file rules + render_memo + card_json), median",
        f"per seed {', '.join(f'{m:.1f}' for m in medians.values())} ms; worst {worst:.1f} ms",
        f"≤ {OFFLINE_GOAL_MS:g} ms",
        met_a,
    )
    b = _batch(cfg, tmp)
    _row_batch(cfg, res, b)
    res.sections.append(_section(cfg, cold, times, medians, stages, b))
    if not met_a:
        res.profiles.append(_profile_in_process(cfg))
    if not b.met:
        res.profiles.append(_profile_batch(cfg, tmp / "batch-in", tmp))


def _row_batch(cfg: Config, res: Results, b: Batch) -> None:
    if not cfg.quick:
        label = f"`scorer batch` over {cfg.batch_reports} reports, --backend rules --jobs 2, wall time"
        target = f"≤ {BATCH_GOAL_S:g} s"
    else:
        label = f"`scorer batch` over {cfg.batch_reports} reports (quick; goal is for 1,000), --jobs 2"
        target = f"≤ {BATCH_GOAL_S:g} s for 1,000"
    res.row(
        "G4b",
        label,
        f"{b.wall:.1f} s ({b.wall / cfg.batch_reports * 1000:.1f} ms/report; exit {b.code}; "
        f"{b.written} JSON written; peak RSS {b.rss:.0f} MB)",
        target,
        b.met,
    )


# --------------------------------------------------------------------------- section and profiles


def _stage_rows(stages: dict[Path, list[dict[str, float]]], medians: dict[Path, float]) -> list[list[Any]]:
    stage_names = list(stages[SEEDS[0]][0])
    counted = [n for n in stage_names if not n.startswith("(")]
    rows = [
        [name] + [f"{median([s[name] for s in stages[p]]) * 1000:.2f}" for p in SEEDS] for name in stage_names
    ]
    rows.append(
        ["**sum of the medians (without the separate scan)**"]
        + [f"{sum(median([s[n] for s in stages[p]]) for n in counted) * 1000:.2f}" for p in SEEDS]
    )
    rows.append(["**whole pipeline, median (G4a)**"] + [f"{medians[p]:.2f}" for p in SEEDS])
    return rows


def _section(
    cfg: Config,
    cold: dict[Path, float],
    times: dict[Path, list[float]],
    medians: dict[Path, float],
    stages: dict[Path, list[dict[str, float]]],
    b: Batch,
) -> str:
    rows = [
        [
            p.stem,
            len(load_document(p).text),
            f"{cold[p] * 1000:.1f}",
            f"{medians[p]:.1f}",
            f"{min(times[p]) * 1000:.1f}",
            f"{max(times[p]) * 1000:.1f}",
        ]
        for p in SEEDS
    ]
    speedup = median(b.gil[1]) / median(b.gil[2])
    return (
        "## G4 — offline path\n\n"
        f"In-process, `assess_file(path, Options(backend='rules'))` + `render_memo` + `card_json`; "
        f"median over {cfg.offline_reps} runs per seed (runs interleaved across seeds) after one "
        "untimed first call per seed (`first call` column; the very first loads the rubric, OpenCC "
        "and the compiled regexes).\n\n"
        + table(["seed", "normalized chars", "first call ms", "median ms", "min ms", "max ms"], rows)
        + "\n\nThe same pipeline by stage, timed in runs alternating with the whole-pipeline runs "
        "above (median ms; the figure scan is also shown alone — "
        "`extract_rules` and `gather_evidence` each run it once, because `assess_file` passes no "
        "baseline to either):\n\n"
        + table(["stage"] + [p.stem[:3] for p in SEEDS], _stage_rows(stages, medians))
        + f"\n\n`python -m scorer batch DIR --out OUT --backend rules --jobs 2` over {cfg.batch_reports} "
        "reports (the five seeds in turn, each with a numbered sentence appended so every input "
        f"differs), fresh output dir: **{b.wall:.1f} s** wall including interpreter start-up, exit code "
        f"{b.code}, {b.written} JSON files, peak RSS {b.rss:.0f} MB. One run (the goal is about a single "
        "batch; a second identical run would be skipped as up to date).\n\n"
        f"Does `--jobs 2` use two cores? `scorer batch` over {cfg.gil_reports} reports, "
        f"alternating --jobs 1 / --jobs 2 twice: --jobs 1 {', '.join(f'{x:.2f}' for x in b.gil[1])} s; "
        f"--jobs 2 {', '.join(f'{x:.2f}' for x in b.gil[2])} s; speed-up {speedup:.2f}× (the machine "
        "is shared with a background job, so two free cores are not guaranteed either)."
    )


def _profile_in_process(cfg: Config) -> str:
    log("goal 4a missed: profiling")
    runs = max(5, cfg.offline_reps)

    def work() -> None:
        for _ in range(runs):
            for path in SEEDS:
                offline_once(path)

    return (
        f"### G4a — offline time per report ({runs} × 5 seeds, figures per report)\n\n"
        "The stage table under G4 above is the first profile. cProfile (wall clock) over "
        "the same calls:\n\n" + top_functions(profiled(work), 20, runs * 5)
    )


def _profile_batch(cfg: Config, batch_dir: Path, tmp: Path) -> str:
    log("goal 4b missed: profiling")
    from scorer.batch import Job, _score_one, collect, ranking

    n = min(cfg.batch_reports, 100)
    jobs_list, _ = collect([batch_dir])
    pout = Path(tempfile.mkdtemp(dir=tmp, prefix="prof-out-"))
    options = Options(backend="rules")

    def work() -> None:
        outcomes = [_score_one(Job(j.path, j.stem), pout, options) for j in jobs_list[:n]]
        ranking(outcomes)

    return (
        f"### G4b — `scorer batch` ({n} reports scored sequentially in the main thread through "
        "`scorer.batch._score_one`, then `ranking`; cProfile cannot follow the batch's pool threads)"
        "\n\n" + top_functions(profiled(work), 15, n)
    )
