"""`scorer batch`: score many reports, write each memo, JSON and review page, rank them (and index.html).

Resumable: a report whose JSON in --out was made from the same input text, options and rubric
is skipped. One report failing never stops the batch; failures are listed at the end.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rich.console import Console

from scorer.assess import Options, assess_file, card_json, choose_backend, output_dir, safe_stem, unique_stems
from scorer.atomic import write_text_atomic
from scorer.dashboard import render_index
from scorer.errors import CANCEL, EXIT_OK, EXIT_PARTIAL, ExtractionFailed, ScorerError
from scorer.extract import cancellable_pool
from scorer.memo import md_escape, render_memo
from scorer.outline import load_outline
from scorer.page import render_page

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
    jobs = [Job(f, stem) for f, stem in zip(files, unique_stems(files), strict=True)]
    return jobs, failures


def _signature(options: Options) -> dict[str, Any]:
    backend = choose_backend(options.backend, options.settings)
    return {
        "backend": backend,
        "rubric": options.rubric,
        "kind": options.kind,
        "model": options.settings.model if backend == "llm" else None,
        "max_chunk_chars": options.max_chunk_chars,
    }


def _current(job: Job, out: Path, options: Options) -> dict[str, Any] | None:
    """The stored card if it was made from this input, with these options, under this rubric."""
    path = out / f"{job.stem}.json"
    if not path.exists() or not all((out / f"{job.stem}{ext}").exists() for ext in (".md", ".html")):
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
    except ExtractionFailed as exc:
        cancelled = CANCEL.is_set()
        return Outcome(job, None, error="cancelled; finished chunks are cached" if cancelled else str(exc))
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
    write_text_atomic(out / f"{job.stem}.html", render_page(card, result.doc, result.outline))
    return Outcome(job, card.model_dump(mode="json"), partial=bool(result.extraction.failed_chunks))


class RankingFiles(NamedTuple):
    """The texts of ranking.csv, ranking.md and not_graded.csv."""

    csv: str
    md: str
    not_graded_csv: str


def rankable(card: dict[str, Any] | None) -> bool:
    """Only a graded card with a grade is ranked; failed reports have no card at all."""
    return card is not None and card.get("graded", True) is not False and card.get("grade") is not None


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    md = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return md + ["| " + " | ".join(md_escape(str(v)) for v in row) + " |" for row in rows]


def _who(card: dict[str, Any]) -> str:
    return card["metadata"].get("issuer") or card["metadata"].get("region") or ""


def _rank_key(o: Outcome) -> tuple[int, float]:
    """Grade first, then total: a report capped for missing required contents ranks below every
    report of a better grade, whatever its points."""
    card = o.card
    assert card is not None
    try:
        grade_rank = load_outline(card["rubric"]["id"]).grade_rank(card["grade"])
    except ScorerError:
        grade_rank = 0
    return grade_rank, -float(card["total"])


def _ranked_table(ranked: list[Outcome]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the ranking, best first (ties keep file order); only rankable cards."""
    ranked = sorted((o for o in ranked if rankable(o.card)), key=_rank_key)
    dims: list[str] = []
    for o in ranked:
        dims += [d["id"] for d in o.card["dimensions"] if d["id"] not in dims]  # type: ignore[index]
    header = ["rank", "file", "issuer", "year", "rubric", "backend", "total", "grade", "provisional"]
    header += [*dims, "verified_figures", "flagged_figures", "ungrounded_quotes"]
    rows = []
    for rank, o in enumerate(ranked, 1):
        c = o.card
        assert c is not None
        per_dim = {d["id"]: d["score"] for d in c["dimensions"]}
        figures = c["figures"]
        rows.append(
            [
                *(rank, o.job.path.name, _who(c), c["metadata"].get("year") or ""),
                *(c["rubric"]["id"], c["backend"], c["total"], c["grade"]),
                "true" if c.get("provisional") else "false",
                *[per_dim.get(d, "") for d in dims],
                sum(1 for f in figures if f["status"] == "verified"),
                sum(1 for f in figures if f["status"] != "verified"),
                len(c["flagged"]["ungrounded_quotes"]),
            ]
        )
    return header, rows


NOT_GRADED_HEADER = ["file", "issuer", "year", "kind", "label", "evidence"]


def _not_graded_rows(outcomes: list[Outcome]) -> list[list[Any]]:
    """Documents the gate did not grade (e.g. a 政府工作报告): listed, never ranked."""
    rows = []
    for o in outcomes:
        c = o.card
        if c is None or rankable(c):
            continue
        kind = c.get("kind") or {}
        evidence = "；".join(str(e) for e in (kind.get("evidence") or [])[:2])
        rows.append(
            [
                o.job.path.name,
                _who(c),
                c["metadata"].get("year") or "",
                kind.get("kind") or "",
                kind.get("label") or "",
                evidence,
            ]
        )
    return rows


def ranking(outcomes: list[Outcome]) -> RankingFiles:
    """ranking.csv (graded reports, best first), ranking.md (the ranking, then the documents not
    graded and the reports that failed) and not_graded.csv. Failed and non-graded reports are never ranked."""
    header, rows = _ranked_table(outcomes)
    not_graded = _not_graded_rows(outcomes)
    failed = [[o.job.path.name, o.error] for o in outcomes if o.card is None and o.error]
    md = ["# 排名", "", *_md_table(header, rows)]
    if not_graded:
        md += ["", "## 未评级文件（不是法治政府建设年度报告，不参与排名）", ""]
        md += _md_table(NOT_GRADED_HEADER, not_graded)
    if failed:
        md += ["", "## 评分失败（不参与排名）", "", *_md_table(["file", "error"], failed)]
    return RankingFiles(_csv(header, rows), "\n".join(md) + "\n", _csv(NOT_GRADED_HEADER, not_graded))


def run_batch(
    paths: list[Path],
    out: Path,
    options: Options,
    *,
    force: bool,
    jobs: int,
    console: Console,
    as_json: bool = False,
) -> int:
    """Score everything, write outputs and the ranking; return the exit code."""
    from scorer.render import progress_bar

    output_dir(out)
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
    files = ranking(outcomes)
    write_text_atomic(out / "ranking.csv", files.csv)
    write_text_atomic(out / "ranking.md", files.md)
    write_text_atomic(out / "not_graded.csv", files.not_graded_csv)
    write_text_atomic(out / "index.html", render_index(outcomes))
    if as_json:
        sys.stdout.write(ranking_json(outcomes))
    return _summarize(outcomes, out, console)


def ranking_json(outcomes: list[Outcome]) -> str:
    """The ranking as JSON Lines, one object per ranked report, best first (the CSV's columns)."""
    header, rows = _ranked_table(outcomes)
    return "".join(json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) + "\n" for row in rows)


def _summarize(outcomes: list[Outcome], out: Path, console: Console) -> int:
    """The closing lines on stderr (one line per failure, never wrapped) and the exit code."""
    from rich.markup import escape

    scored = sum(1 for o in outcomes if o.card is not None and not o.skipped)
    skipped = sum(1 for o in outcomes if o.skipped)
    failed = [o for o in outcomes if o.error]
    partial = [o for o in outcomes if o.partial]
    not_graded = [o for o in outcomes if o.card is not None and not rankable(o.card)]
    console.print(f"评分 {scored} 份，跳过 {skipped} 份（已是最新），失败 {len(failed)} 份；结果在 {out}")
    for o in failed:
        console.print(f"[red]失败[/] {escape(o.error or '')}", soft_wrap=True)
    for o in partial:
        console.print(
            f"[yellow]部分失败[/] {escape(str(o.job.path))}: 有分块抽取失败，评分为暂定，见备忘录“说明”",
            soft_wrap=True,
        )
    if not_graded:
        names = "、".join(o.job.path.name for o in not_graded)
        console.print(
            f"未评级 {len(not_graded)} 份（不是年度报告，不参与排名）：{escape(names)}", soft_wrap=True
        )
    return EXIT_PARTIAL if failed or partial else EXIT_OK
