"""`scorer batch`: score many reports, write each memo, JSON and review page, rank them (and index.html).

Resumable: a report whose JSON in --out was made from the same input text, options and rubric
is skipped. One report failing never stops the batch; failures are listed at the end.
"""

from __future__ import annotations

import hashlib
import json
import sys
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rich.console import Console

from scorer import labels_zh
from scorer.assess import Options, assess_file, card_json, choose_backend, output_dir, safe_stem, unique_stems
from scorer.atomic import write_bytes_atomic, write_text_atomic
from scorer.dashboard import render_index
from scorer.errors import CANCEL, EXIT_OK, EXIT_PARTIAL, ExtractionFailed, ScorerError
from scorer.extract import cancellable_pool
from scorer.formats import LEGACY_SUFFIXES
from scorer.interrupt import commit
from scorer.memo import render_memo
from scorer.outline import load_outline
from scorer.page import render_page
from scorer.ranking import (
    NOT_GRADED_HEADER,
    Document,
    Ranking,
    build,
    csv_table,
    csv_text,
    json_lines,
    markdown,
    not_graded_table,
    rankable,
)
from scorer.workbook import workbook_bytes

# What `score` reads, plus the formats that need converting: those are tried so that the ranking
# lists them as failed with the conversion to run, rather than leaving them out unseen.
REPORT_SUFFIXES = {".txt", ".html", ".htm", ".md", ".pdf", ".docx"} | LEGACY_SUFFIXES


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


def ignored(paths: list[Path]) -> list[Path]:
    """Files in the given directories that are not reports by their suffix (hidden files aside)."""
    return [
        f
        for p in paths
        if p.is_dir()
        for f in sorted(p.iterdir())
        if f.is_file() and f.suffix.lower() not in REPORT_SUFFIXES and not f.name.startswith(".")
    ]


def _signature(options: Options, rubric_sha256: str) -> dict[str, Any]:
    """Everything besides the input text that changes a report's answers, as stored with its card:
    a report is re-scored when any of it differs (the LLM's settings only count for the LLM)."""
    from scorer.llm import public_url
    from scorer.prompts import prompt_version

    backend = choose_backend(options.backend, options.settings)
    settings, llm = options.settings, backend == "llm"
    return {
        "backend": backend,
        "rubric": options.rubric,
        "rubric_sha256": rubric_sha256,
        "kind": options.kind,
        "max_chunk_chars": options.max_chunk_chars,
        "endpoint": public_url(settings.base_url) if llm else None,
        "model": settings.model if llm else None,
        "mode": settings.resolved_mode() if llm else None,
        "max_tokens": settings.max_tokens if llm else None,
        "prompt_version": prompt_version() if llm else None,
    }


def _current(job: Job, out: Path, options: Options) -> dict[str, Any] | None:
    """The stored card if it was made from this input, with these options, under this rubric file."""
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
        # --rubric auto chose by the year reported on, which the same text gives again.
        rubric = load_outline(card["rubric"]["id"] if options.rubric == "auto" else options.rubric)
        if prov.get("options") != _signature(options, rubric.sha256):
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
    options_used = _signature(options, result.outline.sha256)
    card = result.card.model_copy(update={"provenance": {**result.card.provenance, "options": options_used}})

    def write() -> None:
        write_text_atomic(out / f"{job.stem}.md", render_memo(card))
        write_text_atomic(out / f"{job.stem}.json", card_json(card))
        write_text_atomic(out / f"{job.stem}.html", render_page(card, result.doc, result.outline))

    if not commit(write):  # interrupted: a report finished after Ctrl-C is not written
        return Outcome(job, None, error="cancelled; finished chunks are cached")
    partial = bool(result.extraction.failed_chunks or card.unread_pages)
    return Outcome(job, card.model_dump(mode="json"), partial=partial)


class RankingFiles(NamedTuple):
    """The contents of ranking.csv, ranking.md, not_graded.csv (CSV text without the BOM the
    writer adds), ranking.xlsx and the JSON Lines `--json` prints: all from one `Ranking`."""

    csv: str
    md: str
    not_graded_csv: str
    xlsx: bytes
    json: str


def _ranking(outcomes: list[Outcome]) -> Ranking:
    return build([Document(o.job.path.name, o.card, o.error) for o in outcomes])


def ranking(outcomes: list[Outcome]) -> RankingFiles:
    """Every ranking file; reports are ranked within their rubric, failed and non-graded never."""
    r = _ranking(outcomes)
    return RankingFiles(
        csv=csv_text(*csv_table(r)),
        md=markdown(r),
        not_graded_csv=csv_text(NOT_GRADED_HEADER, not_graded_table(r)),
        xlsx=workbook_bytes(r),
        json=json_lines(r),
    )


def write_ranking(files: RankingFiles, out: Path) -> None:
    """CSV files carry a UTF-8 BOM so that Excel reads them as UTF-8, not as the local code page."""
    write_bytes_atomic(out / "ranking.csv", files.csv.encode("utf-8-sig"))
    write_bytes_atomic(out / "not_graded.csv", files.not_graded_csv.encode("utf-8-sig"))
    write_bytes_atomic(out / "ranking.xlsx", files.xlsx)
    write_text_atomic(out / "ranking.md", files.md)


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
    skipped = ignored(paths)
    if skipped:
        from rich.markup import escape

        names = "、".join(f.name for f in skipped)
        kinds = " ".join(sorted({f.suffix.lower() or "（无后缀）" for f in skipped}))
        console.print(
            f"忽略 {len(skipped)} 个文件（{kinds} 不是报告格式，可评分的格式："
            f"{' '.join(sorted(REPORT_SUFFIXES - LEGACY_SUFFIXES))}）：{escape(names)}",
            soft_wrap=True,
        )
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
    files, index = ranking(outcomes), render_index(outcomes)

    def write() -> None:  # the ranking files agree with each other, even if Ctrl-C comes now
        write_ranking(files, out)
        write_text_atomic(out / "index.html", index)

    commit(write)
    if as_json:
        sys.stdout.write(files.json)
    return _summarize(outcomes, out, console)


def ranking_json(outcomes: list[Outcome]) -> str:
    """The ranking as JSON Lines: the rows of ranking.csv, in its order, with keys for programs."""
    return json_lines(_ranking(outcomes))


def _partial_why(o: Outcome) -> str:
    pages = (o.card or {}).get("unread_pages") or []
    if pages:
        return f"{labels_zh.unread_pages(pages)}，评分为暂定，见备忘录“说明”"
    return "有分块抽取失败，评分为暂定，见备忘录“说明”"


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
        console.print(f"[yellow]部分失败[/] {escape(str(o.job.path))}: {_partial_why(o)}", soft_wrap=True)
    if not_graded:
        names = "、".join(o.job.path.name for o in not_graded)
        console.print(
            f"未评级 {len(not_graded)} 份（不是年度报告，不参与排名）：{escape(names)}", soft_wrap=True
        )
    return EXIT_PARTIAL if failed or partial else EXIT_OK
