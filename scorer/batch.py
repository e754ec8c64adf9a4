"""`scorer batch`: score many reports, write each memo and JSON, rank them.

Resumable: a report whose JSON in --out was made from the same input text, options and rubric
is skipped. One report failing never stops the batch; failures are listed at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from scorer.assess import Options, assess_file, card_json, choose_backend, safe_stem
from scorer.atomic import write_text_atomic
from scorer.errors import CANCEL, EXIT_OK, EXIT_PARTIAL, InputError, ScorerError
from scorer.extract import cancellable_pool
from scorer.memo import md_escape, render_memo
from scorer.outline import load_outline

REPORT_SUFFIXES = {".txt", ".html", ".htm", ".md"}


@dataclass(frozen=True)
class Job:
    path: Path
    stem: str


@dataclass(frozen=True)
class Outcome:
    job: Job
    card: dict[str, Any] | None
    skipped: bool = False
    error: str | None = None
    partial: bool = False


def collect(paths: list[Path]) -> tuple[list[Job], list[Outcome]]:
    """Report files from the given paths (directories are searched, not recursively); bad paths fail early."""
    files: list[Path] = []
    failures: list[Outcome] = []
    for p in paths:
        if p.is_dir():
            files.extend(
                sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES)
            )
        elif p.exists():
            files.append(p)
        else:
            failures.append(Outcome(Job(p, safe_stem(p)), None, error=f"{p}: no such file"))
    jobs: list[Job] = []
    used: set[str] = set()
    for f in files:
        stem = safe_stem(f)
        if stem in used:
            stem = f"{stem}-{hashlib.sha256(str(f).encode()).hexdigest()[:6]}"
        used.add(stem)
        jobs.append(Job(f, stem))
    return jobs, failures


def _signature(options: Options) -> dict[str, Any]:
    backend = choose_backend(options.backend, options.settings)
    return {
        "backend": backend,
        "rubric": options.rubric,
        "model": options.settings.model if backend == "llm" else None,
        "max_chunk_chars": options.max_chunk_chars,
    }


def _current(job: Job, out: Path, options: Options) -> dict[str, Any] | None:
    """The stored card if it was made from this input, with these options, under this rubric."""
    path = out / f"{job.stem}.json"
    if not path.exists() or not (out / f"{job.stem}.md").exists():
        return None
    try:
        card = json.loads(path.read_text("utf-8"))
        from scorer.ingest import read_report

        text = read_report(job.path).text
        prov = card["provenance"]
        if prov.get("input_sha256") != hashlib.sha256(text.encode("utf-8")).hexdigest():
            return None
        if prov.get("options") != _signature(options):
            return None
        if load_outline(card["rubric"]["id"]).sha256 != card["rubric"]["hash"]:
            return None
        if prov.get("failed_chunks"):
            return None
        return card
    except (OSError, ValueError, KeyError, TypeError, ScorerError):
        return None


def _score_one(job: Job, out: Path, options: Options) -> Outcome:
    if CANCEL.is_set():
        return Outcome(job, None, error="cancelled")
    try:
        result = assess_file(job.path, options)
    except ScorerError as exc:
        return Outcome(job, None, error=str(exc))
    except Exception as exc:  # one report's bug must not stop the batch
        return Outcome(job, None, error=f"internal error: {type(exc).__name__}: {exc}")
    if CANCEL.is_set() and result.extraction.failed_chunks:
        return Outcome(job, None, error="cancelled; finished chunks are cached")
    card = result.card.model_copy(
        update={"provenance": {**result.card.provenance, "options": _signature(options)}}
    )
    write_text_atomic(out / f"{job.stem}.md", render_memo(card))
    write_text_atomic(out / f"{job.stem}.json", card_json(card))
    return Outcome(job, card.model_dump(mode="json"), partial=bool(result.extraction.failed_chunks))


def ranking(outcomes: list[Outcome]) -> tuple[str, str]:
    """ranking.csv and ranking.md, best first; ties keep file order."""
    scored = [o for o in outcomes if o.card is not None]
    scored.sort(key=lambda o: -float(o.card["total"]))  # type: ignore[index]
    dims: list[str] = []
    for o in scored:
        for d in o.card["dimensions"]:  # type: ignore[index]
            if d["id"] not in dims:
                dims.append(d["id"])
    header = [
        "rank",
        "file",
        "issuer",
        "year",
        "rubric",
        "backend",
        "total",
        "grade",
        *dims,
        "verified_figures",
        "flagged_figures",
        "ungrounded_quotes",
    ]
    rows = []
    for rank, o in enumerate(scored, 1):
        c = o.card
        assert c is not None
        per_dim = {d["id"]: d["score"] for d in c["dimensions"]}
        figures = c["figures"]
        rows.append(
            [
                rank,
                o.job.path.name,
                c["metadata"].get("issuer") or c["metadata"].get("region") or "",
                c["metadata"].get("year") or "",
                c["rubric"]["id"],
                c["backend"],
                c["total"],
                c["grade"],
                *[per_dim.get(d, "") for d in dims],
                sum(1 for f in figures if f["status"] == "verified"),
                sum(1 for f in figures if f["status"] != "verified"),
                len(c["flagged"]["ungrounded_quotes"]),
            ]
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    md = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    md += ["| " + " | ".join(md_escape(str(v)) for v in row) + " |" for row in rows]
    return buffer.getvalue(), "# 排名\n\n" + "\n".join(md) + "\n"


def run_batch(
    paths: list[Path], out: Path, options: Options, *, force: bool, jobs: int, console: Console
) -> int:
    """Score everything, write outputs and the ranking; return the exit code."""
    from scorer.render import progress_bar

    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out must be a directory")
    out.mkdir(parents=True, exist_ok=True)
    todo, outcomes = collect(paths)
    cpu_bound = choose_backend(options.backend, options.settings) == "rules" and jobs > 1
    pending: list[Job] = []
    for job in todo:
        card = None if force else _current(job, out, options)
        if card is not None:
            outcomes.append(Outcome(job, card, skipped=True))
        else:
            pending.append(job)
    with (
        progress_bar(
            console, f"{len(pending)} 份报告（跳过 {len(todo) - len(pending)} 份已是最新）"
        ) as advance,
        cancellable_pool(max(1, jobs), "scorer-report", processes=cpu_bound) as pool,
    ):
        futures = [pool.submit(_score_one, job, out, options) for job in pending]
        for done, future in enumerate(as_completed(futures), 1):
            outcomes.append(future.result())
            advance(done, len(futures))
    order = {job.path: i for i, job in enumerate(todo)}
    outcomes.sort(key=lambda o: order.get(o.job.path, -1))
    csv_text, md_text = ranking(outcomes)
    write_text_atomic(out / "ranking.csv", csv_text)
    write_text_atomic(out / "ranking.md", md_text)
    scored = sum(1 for o in outcomes if o.card is not None and not o.skipped)
    skipped = sum(1 for o in outcomes if o.skipped)
    failed = [o for o in outcomes if o.error]
    partial = [o for o in outcomes if o.partial]
    console.print(f"评分 {scored} 份，跳过 {skipped} 份（已是最新），失败 {len(failed)} 份；结果在 {out}")
    for o in failed:
        console.print(f"[red]失败[/] {o.error}")
    for o in partial:
        console.print(f"[yellow]部分失败[/] {o.job.path}: 有分块抽取失败，见备忘录“说明”")
    return EXIT_PARTIAL if failed or partial else EXIT_OK
