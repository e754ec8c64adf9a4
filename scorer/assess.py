"""From a report file to its score card: the whole pipeline for one report, backend chosen once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scorer import labels_zh
from scorer.card import KindResult, ScoreCard
from scorer.chunking import DEFAULT_MAX_CHARS
from scorer.figures import FigureScan, scan
from scorer.ingest import RawDocument
from scorer.labels import compare, sentence_labels
from scorer.llm import Settings
from scorer.outline import Outline, load_outline, outline_for_year
from scorer.pipeline import Document, load_document, prepare
from scorer.rubric import gather_evidence, score
from scorer.schema import ReportExtraction

if TYPE_CHECKING:
    from scorer.extract import Extractor


@dataclass(frozen=True)
class Options:
    backend: str = "auto"
    rubric: str = "auto"
    kind: str = "auto"  # "annual_report" forces grading whatever the document gate says
    max_chunk_chars: int = DEFAULT_MAX_CHARS
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class Assessment:
    doc: Document
    outline: Outline
    extraction: ReportExtraction
    card: ScoreCard
    cache_problems: tuple[str, ...] = ()


def choose_backend(backend: str, settings: Settings) -> str:
    """`auto` uses the LLM when an endpoint is configured or a model is named (a named model is a
    request for the LLM, never silently answered by the rules), else the rules, so a fresh machine
    works with no key. Raises UsageError when the LLM is chosen with no endpoint to call."""
    from scorer.llm import require_endpoint

    if backend == "auto":
        backend = "llm" if settings.endpoint_configured or settings.model_chosen else "rules"
    if backend == "llm":
        require_endpoint(settings)
    return backend


def choose_outline(rubric: str, doc: Document) -> Outline:
    return load_outline(outline_for_year(doc.metadata.year) if rubric == "auto" else rubric)


def notes_for(doc: Document, extraction: ReportExtraction, outline: Outline, rubric: str) -> list[str]:
    """What a reader of the memo should know about how the report was read, in Chinese (ids and
    failure reasons through scorer/labels_zh.py)."""
    stats = doc.norm.stats
    notes = []
    if rubric == "auto":
        notes.append(f"按报告年度 {doc.metadata.year or '不详'} 自动选用评分细则：{outline.name}。")
    if doc.raw.unread_pages:
        pages = labels_zh.unread_pages(doc.raw.unread_pages)
        notes.append(f"{pages}，这些页的内容未计分；请 OCR 后重新评分。")
    if stats.glosses_removed:
        notes.append(f"删除了原文中的拼音注音 {stats.glosses_removed} 处。")
    if stats.residues:
        notes.append(f"原文有 {len(stats.residues)} 处残缺注音（如 {stats.residues[0].text}），已删除。")
    if stats.boilerplate:
        kinds = "、".join(dict.fromkeys(labels_zh.boilerplate(k) for k in sorted(stats.boilerplate)))
        notes.append(f"删除网页模板行 {sum(stats.boilerplate.values())} 行（{kinds}）。")
    if stats.chars_converted:
        notes.append(f"原文为繁体，{stats.chars_converted} 字已转换为简体后分析，引文按原文显示。")
    for failed in extraction.failed_chunks:
        reason = labels_zh.failure(failed.reason)  # the raw reason stays in provenance.failed_chunks
        notes.append(f"第 {failed.chunk + 1} 段（{failed.title}）抽取失败：{reason}；该段内容未计分。")
    return notes


def kind_of(doc: Document, outline: Outline, forced: str = "auto") -> KindResult:
    """The document gate's decision; `--kind annual_report` grades anyway and says so."""
    from scorer.gate import classify

    decision = classify(doc, outline)
    result = KindResult(kind=decision.kind, label=decision.label, evidence=decision.reasons())
    if forced == "annual_report" and decision.kind != "annual_report":
        return result.model_copy(update={"forced": True})
    return result


def assess(
    doc: Document,
    outline: Outline,
    extraction: ReportExtraction,
    rubric: str = "auto",
    baseline: FigureScan | None = None,
    kind: str = "auto",
) -> ScoreCard:
    """Gate, ground, cross-check and score an extraction (deterministic).

    A card whose extraction lost some chunks, or whose PDF has pages without a text layer, is
    provisional: its grade rests on part of the report.
    """
    evidence = gather_evidence(doc, extraction, outline, baseline)
    notes = notes_for(doc, extraction, outline, rubric)
    return score(outline, extraction, evidence, doc, kind=kind_of(doc, outline, kind), notes=notes)


def extract_for(
    doc: Document,
    outline: Outline,
    options: Options,
    on_progress: Callable[[int, int], None] | None = None,
    baseline: FigureScan | None = None,
) -> tuple[ReportExtraction, Extractor | None]:
    """The extraction, and the LLM extractor that made it (None for the rules backend)."""
    backend = choose_backend(options.backend, options.settings)
    if backend == "rules":
        from scorer.rules import extract_rules

        return extract_rules(doc, outline, baseline), None
    from scorer.extract import Extractor, require_success

    extractor = Extractor(options.settings, outline)
    return require_success(extractor.extract(doc, on_progress=on_progress), doc.raw.source), extractor


def summarized(card: ScoreCard, doc: Document, extractor: Extractor) -> ScoreCard:
    """The card with a model summary per dimension (one call per report, cached like the chunks)."""
    from scorer.llm import ChunkFailed, Truncated
    from scorer.summarize import Summaries, apply, groups_for, messages_for

    groups = groups_for(card, doc)
    if not groups:
        return card
    try:
        answer, usage = extractor.ask(messages_for(groups), Summaries)
    except (ChunkFailed, Truncated) as exc:
        note = f"维度概括未生成：{labels_zh.failure(str(exc))}"
        return card.model_copy(update={"notes": [*card.notes, note]})
    return apply(card, answer, usage)  # type: ignore[arg-type]


def assess_file(
    path: str | Path, options: Options, on_progress: Callable[[int, int], None] | None = None
) -> Assessment:
    return assess_document(load_document(path, max_chunk_chars=options.max_chunk_chars), options, on_progress)


def assess_text(text: str, options: Options, source: str = "<text>") -> Assessment:
    """Assess a report given as text (tests and benchmarks build variants of reports this way)."""
    raw = RawDocument(source=source, text=text, encoding="utf-8", html=False)
    return assess_document(prepare(raw, max_chunk_chars=options.max_chunk_chars), options)


def assess_document(
    doc: Document, options: Options, on_progress: Callable[[int, int], None] | None = None
) -> Assessment:
    outline = choose_outline(options.rubric, doc)
    baseline = scan(doc.text)
    extraction, extractor = extract_for(doc, outline, options, on_progress, baseline)
    card = assess(doc, outline, extraction, options.rubric, baseline, options.kind)
    problems: tuple[str, ...] = ()
    if extractor is not None:
        card = with_labels(card, extraction, doc, outline, baseline)
        card = summarized(card, doc, extractor)
        problems = tuple(extractor.cache.problems if extractor.cache else ())
    else:
        card = card.model_copy(update={"labels": compare(None, extraction)})
    return Assessment(doc, outline, extraction, card, problems)


def with_labels(
    card: ScoreCard, extraction: ReportExtraction, doc: Document, outline: Outline, baseline: FigureScan
) -> ScoreCard:
    """The model's and the rules' labels side by side, and how often they agree: the share of the
    sentences credited on the model's word that the rules put in the same dimension."""
    from scorer.rules import extract_rules

    rules = extract_rules(doc, outline, baseline)
    ruled = sentence_labels(rules)
    credited = [
        (n, d.id) for d in card.dimensions for m in d.measures if m.credit > 0 for n in m.sentences[:1]
    ]
    same = sum(1 for n, dim in credited if ruled.get(n, ("", ""))[0] == dim)
    agreement = round(same / len(credited), 3) if credited else None
    labels = compare(extraction, rules)
    return card.model_copy(update={"labels": labels, "agreement": agreement})


def card_json(card: ScoreCard) -> str:
    """The card as indented JSON (pydantic's serializer: the stdlib's indent mode is 20× slower)."""
    return card.model_dump_json(indent=2) + "\n"


_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.-]+")


def safe_stem(path: Path) -> str:
    """A file name derived from an input path that cannot escape the output directory."""
    stem = _UNSAFE.sub("_", path.stem).strip("._-") or "report"
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:6] if stem != path.stem else ""
    return stem[:80] + (f"-{digest}" if digest else "")


def unique_stems(paths: list[Path]) -> list[str]:
    """Output names for inputs, one each: a name already taken (a/report.txt, b/report.txt) gets a
    short digest of its path, so no input's outputs overwrite another's."""
    used: set[str] = set()
    stems = []
    for path in paths:
        stem = safe_stem(path)
        if stem in used:
            stem = f"{stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:6]}"
        used.add(stem)
        stems.append(stem)
    return stems


def output_dir(out: Path) -> Path:
    """`--out` as a directory, created if missing; anything else is a usage error (exit 2)."""
    from scorer.errors import InputError

    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out must be a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot create the --out directory ({exc.strerror or exc})") from None
    return out
