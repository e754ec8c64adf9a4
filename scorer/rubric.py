"""The deterministic rubric: every point is a pure function of the evidence, with its reason.

Inputs are the extraction (what the model or the rules proposed), where each quote was found
(grounding), what the figure baseline says of each number (cross-check), the report's metadata
and the rubric file. A measure whose quote is not in the report earns nothing; a figure earns
something only when the baseline finds it in the chunk the model was shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from scorer.crosscheck import Coverage, FigureCheck, check_figure, coverage
from scorer.figures import FigureScan, scan
from scorer.grounding import Grounding, Locator
from scorer.metadata import Metadata
from scorer.outline import Dimension, Outline
from scorer.pipeline import Document
from scorer.schema import ReportExtraction

SCHEMA_VERSION = "1"


class Quote(BaseModel):
    """A quote the model proposed, where it was found, and how it is printed in the original."""

    proposed: str
    status: Literal["exact", "fuzzy", "not_found"]
    method: str
    score: float
    start: int | None = None
    end: int | None = None
    printed: str | None = None
    original_start: int | None = None
    original_end: int | None = None


class FigureResult(BaseModel):
    surface: str
    what: str
    status: Literal["verified", "mismatch", "unsupported"]
    where: str | None
    canonical: str | None
    unit: str | None
    baseline_surface: str | None
    baseline_start: int | None = None
    note: str
    dimension: str
    measure: int
    earns: bool = False


class MeasureResult(BaseModel):
    summary: str
    chunk: int
    quote: Quote
    items: list[str]
    figures: list[FigureResult]
    credit: float


class Point(BaseModel):
    """Points on one criterion, why, and the quotes (as printed) that earned them."""

    criterion: str
    points: float
    max: float
    reason: str
    evidence: list[str]


class DimensionResult(BaseModel):
    id: str
    name: str
    score: float
    max: float
    reasons: list[Point]
    measures: list[MeasureResult]


class RequiredResult(BaseModel):
    id: str
    name: str
    status: Literal["pass", "fail", "unknown"]
    points: float
    max: float
    reason: str
    evidence: list[str]


class ItemResult(BaseModel):
    """A shortcoming, plan or leader duty, with its quote (and, for shortcomings, the causes)."""

    text: str
    chunk: int
    quote: Quote
    causes: str = ""
    causes_quote: Quote | None = None


class ScoreCard(BaseModel):
    """The whole assessment of one report; the JSON output is this model."""

    schema_version: str = SCHEMA_VERSION
    source: str
    metadata: dict[str, Any]
    rubric: dict[str, str]
    backend: str
    model: str | None
    total: float
    max_total: float
    grade: str
    dimensions: list[DimensionResult]
    required: list[RequiredResult]
    figures: list[FigureResult]
    shortcomings: list[ItemResult]
    plans: list[ItemResult]
    leader_duties: list[ItemResult]
    coverage: dict[str, Any]
    flagged: dict[str, list[Any]]
    usage: dict[str, int]
    notes: list[str]
    provenance: dict[str, Any]


@dataclass(frozen=True)
class Evidence:
    """Grounding and cross-check results for one extraction: the inputs of `score`."""

    measures: dict[str, list[tuple[Grounding, list[FigureCheck]]]]
    shortcomings: list[tuple[Grounding, Grounding | None]]
    plans: list[Grounding]
    leader_duties: list[Grounding]
    coverage: Coverage


def gather_evidence(
    doc: Document, extraction: ReportExtraction, baseline: FigureScan | None = None
) -> Evidence:
    """Ground every quote and cross-check every figure of an extraction against the report."""
    baseline = baseline or scan(doc.text)
    locator = Locator(doc.norm)

    def span(chunk: int) -> tuple[int, int]:
        if 0 <= chunk < len(doc.chunks):
            return doc.chunks[chunk].start, doc.chunks[chunk].end
        return 0, len(doc.text)

    measures: dict[str, list[tuple[Grounding, list[FigureCheck]]]] = {}
    checks: dict[str, list[FigureCheck]] = {}
    for dim_id, items in extraction.dimensions.items():
        measures[dim_id] = []
        for m in items:
            grounding = locator.ground(m.evidence, span(m.chunk))
            figure_checks = [check_figure(ref, grounding, span(m.chunk), baseline) for ref in m.figures]
            measures[dim_id].append((grounding, figure_checks))
            if grounding.found:
                checks.setdefault(dim_id, []).extend(figure_checks)
    shortcomings = []
    for s in extraction.shortcomings:
        causes = locator.ground(s.causes, span(s.chunk)) if s.causes.strip() else None
        shortcomings.append((locator.ground(s.evidence, span(s.chunk)), causes))
    return Evidence(
        measures=measures,
        shortcomings=shortcomings,
        plans=[locator.ground(p.evidence, span(p.chunk)) for p in extraction.plans],
        leader_duties=[locator.ground(d.evidence, span(d.chunk)) for d in extraction.leader_duties],
        coverage=coverage(baseline, checks),
    )


def _quote(proposed: str, g: Grounding, doc: Document) -> Quote:
    ostart = oend = None
    if g.found and g.start is not None and g.end is not None:
        ostart, oend = doc.norm.to_original(g.start, g.end)
    return Quote(
        proposed=proposed,
        status=g.status,
        method=g.method,
        score=g.score,
        start=g.start,
        end=g.end,
        printed=g.original,
        original_start=ostart,
        original_end=oend,
    )


def _credit(g: Grounding, outline: Outline) -> float:
    return 1.0 if g.status == "exact" else outline.scoring.fuzzy_credit if g.status == "fuzzy" else 0.0


def _round(x: float) -> float:
    return round(x + 0.0, 2)


def _items_in(dim: Dimension, text: str) -> list[str]:
    return [item.id for item in dim.items if any(k in text for k in item.keywords)]


def _presence_reason(grounded: int, proposed: int, off_topic: int) -> str:
    """Say why each proposed measure did or did not count: found and on topic, off topic, not found."""
    if not proposed:
        return "报告未写到这一维度"
    others = []
    if off_topic:
        others.append(f"{off_topic} 条引文虽在原文中，但不含本维度的关键词")
    if missing := proposed - grounded - off_topic:
        others.append(f"{missing} 条引文在原文中找不到")
    if not grounded:
        return f"提出 {proposed} 条措施，无一计分：{'；'.join(others)}"
    reason = f"{grounded} 条措施的引文在原文中找到"
    return reason + (f"（另有 {'；'.join(others)}，不计分）" if others else "")


def _score_dimension(
    dim: Dimension,
    dim_max: float,
    outline: Outline,
    extraction: ReportExtraction,
    evidence: Evidence,
    doc: Document,
) -> DimensionResult:
    sc = outline.scoring
    results: list[MeasureResult] = []
    item_credit: dict[str, tuple[float, str]] = {}
    figure_credit: dict[int, tuple[float, str]] = {}
    best_presence = (0.0, "")
    for idx, (m, (g, checks)) in enumerate(
        zip(extraction.dimensions.get(dim.id, []), evidence.measures.get(dim.id, []), strict=True)
    ):
        located = doc.text[g.start : g.end] if g.found and g.start is not None else ""
        items = _items_in(dim, located)
        # The rubric, not the model, decides relevance: a real quote with none of this
        # dimension's keywords (e.g. an injected instruction quoted back) earns nothing here.
        credit = _credit(g, outline) if items else 0.0
        printed = g.original or ""
        if credit > best_presence[0]:
            best_presence = (credit, printed)
        for item in items:
            if credit > item_credit.get(item, (0.0, ""))[0]:
                item_credit[item] = (credit, printed)
        figures = []
        for c in checks:
            earns = credit > 0 and c.status == "verified" and c.baseline is not None
            if (
                earns
                and c.baseline is not None
                and credit > figure_credit.get(c.baseline.start, (0.0, ""))[0]
            ):
                figure_credit[c.baseline.start] = (credit, c.baseline.surface)
            figures.append(
                FigureResult(
                    surface=c.surface,
                    what=c.what,
                    status=c.status,
                    where=c.where,
                    canonical=str(c.canonical) if c.canonical is not None else None,
                    unit=c.unit,
                    baseline_surface=c.baseline.surface if c.baseline else None,
                    baseline_start=c.baseline.start if c.baseline else None,
                    note=c.note,
                    dimension=dim.id,
                    measure=idx,
                    earns=earns,
                )
            )
        results.append(
            MeasureResult(
                summary=m.summary,
                chunk=m.chunk,
                quote=_quote(m.evidence, g, doc),
                items=items,
                figures=figures,
                credit=credit,
            )
        )
    grounded = sum(1 for r in results if r.credit > 0)
    off_topic = sum(1 for r in results if r.credit == 0 and r.quote.status != "not_found")
    presence_max, breadth_max, quant_max = (
        dim_max * sc.presence,
        dim_max * sc.breadth,
        dim_max * sc.quantification,
    )
    presence = presence_max * best_presence[0]
    breadth_units = sorted(item_credit.values(), reverse=True)[: sc.breadth_target]
    breadth = breadth_max * min(1.0, sum(c for c, _ in breadth_units) / sc.breadth_target)
    quant_units = sorted(figure_credit.values(), reverse=True)[: sc.figure_target]
    quant = quant_max * min(1.0, sum(c for c, _ in quant_units) / sc.figure_target)
    names = {item.id: item.name for item in dim.items}
    reasons = [
        Point(
            criterion="presence",
            points=_round(presence),
            max=_round(presence_max),
            reason=_presence_reason(grounded, len(results), off_topic),
            evidence=[best_presence[1]] if best_presence[1] else [],
        ),
        Point(
            criterion="breadth",
            points=_round(breadth),
            max=_round(breadth_max),
            reason=(
                f"覆盖 {len(item_credit)} 个子项（满分需 {sc.breadth_target} 个）："
                + "、".join(names[i] for i in item_credit)
                if item_credit
                else "已核实的引文未覆盖任何子项"
            ),
            evidence=[p for _, p in breadth_units],
        ),
        Point(
            criterion="quantification",
            points=_round(quant),
            max=_round(quant_max),
            reason=f"{len(figure_credit)} 个数字经基线核实（满分需 {sc.figure_target} 个）",
            evidence=[s for _, s in quant_units],
        ),
    ]
    return DimensionResult(
        id=dim.id,
        name=dim.name,
        score=_round(presence + breadth + quant),
        max=_round(dim_max),
        reasons=reasons,
        measures=results,
    )


def _item_results(items: list[Any], groundings: list[Grounding], doc: Document) -> list[ItemResult]:
    return [
        ItemResult(text=i.text, chunk=i.chunk, quote=_quote(i.evidence, g, doc))
        for i, g in zip(items, groundings, strict=True)
    ]


def _published_on_time(md: Metadata) -> tuple[str, str, list[str]]:
    if md.published is None or md.year is None:
        return "unknown", "报告未载明发布日期或报告年度", []
    deadline = date(md.year + 1, 4, 1)
    printed = [md.evidence["published"].text] if "published" in md.evidence else []
    if md.published < deadline:
        return "pass", f"{md.published.isoformat()} 发布，早于 {deadline.isoformat()}", printed
    return "fail", f"{md.published.isoformat()} 发布，晚于 {deadline.isoformat()}", printed


def score(
    outline: Outline,
    extraction: ReportExtraction,
    evidence: Evidence,
    doc: Document,
    *,
    notes: list[str] | None = None,
) -> ScoreCard:
    """Score a report. Pure: the same inputs always give the same card, byte for byte."""
    total_weight = sum(d.weight for d in outline.dimensions)
    dims = [
        _score_dimension(
            d, outline.scoring.dimension_points * d.weight / total_weight, outline, extraction, evidence, doc
        )
        for d in outline.dimensions
    ]
    shortcomings = [
        ItemResult(
            text=s.text,
            chunk=s.chunk,
            quote=_quote(s.evidence, g, doc),
            causes=s.causes,
            causes_quote=_quote(s.causes, c, doc) if c is not None else None,
        )
        for s, (g, c) in zip(extraction.shortcomings, evidence.shortcomings, strict=True)
    ]
    plans = _item_results(extraction.plans, evidence.plans, doc)
    duties = _item_results(extraction.leader_duties, evidence.leader_duties, doc)
    grounded_measures = [m for d in dims for m in d.measures if m.credit > 0]

    def relevant(quote: Quote | None, check_id: str) -> bool:
        """Found in the report and, where the rubric lists cue words, containing one of them."""
        if quote is None or quote.status == "not_found" or quote.start is None or quote.end is None:
            return False
        cues = outline.cues(check_id)
        return not cues or any(c in doc.text[quote.start : quote.end] for c in cues)

    def found(items: list[ItemResult], check_id: str) -> list[str]:
        return [i.quote.printed or "" for i in items if relevant(i.quote, check_id)]

    checks: dict[str, tuple[str, str, list[str]]] = {}
    n = len(grounded_measures)
    checks["measures"] = (
        "pass" if n >= outline.scoring.min_measures else "fail",
        f"{n} 条措施的引文在原文中找到（至少需 {outline.scoring.min_measures} 条）",
        [m.quote.printed or "" for m in grounded_measures[:3]],
    )
    checks["shortcomings"] = (
        (
            "pass",
            f"{len(found(shortcomings, 'shortcomings'))} 条不足有原文依据",
            found(shortcomings, "shortcomings")[:3],
        )
        if found(shortcomings, "shortcomings")
        else ("fail", "报告未写存在的不足（或引文未在原文中找到）", [])
    )
    causes = [
        s.causes_quote.printed or ""
        for s in shortcomings
        if relevant(s.quote, "shortcomings") and relevant(s.causes_quote, "causes")
    ]
    checks["causes"] = (
        ("pass", "不足的原因有原文依据", causes[:3])
        if causes
        else (
            "fail",
            "报告列出了不足，但没有分析原因"
            if found(shortcomings, "shortcomings")
            else "报告未写不足及其原因",
            [],
        )
    )
    checks["leader_duties"] = (
        ("pass", "写明党政主要负责人履行第一责任人职责的做法", found(duties, "leader_duties")[:3])
        if found(duties, "leader_duties")
        else ("fail", "未写党政主要负责人履行推进法治建设第一责任人职责情况", [])
    )
    checks["plans"] = (
        ("pass", f"{len(found(plans, 'plans'))} 项下一年度安排有原文依据", found(plans, "plans")[:3])
        if found(plans, "plans")
        else ("fail", "未写下一年度主要安排", [])
    )
    checks["published_on_time"] = _published_on_time(doc.metadata)
    required = []
    for r in outline.required:
        status, reason, ev = checks[r.id]
        required.append(
            RequiredResult(
                id=r.id,
                name=r.name,
                status=status,
                points=r.points if status == "pass" else 0.0,  # type: ignore[arg-type]
                max=r.points,
                reason=reason,
                evidence=ev,
            )
        )
    total = _round(sum(d.score for d in dims) + sum(r.points for r in required))
    figures = [f for d in dims for m in d.measures for f in m.figures]
    cov = evidence.coverage
    md = doc.metadata
    return ScoreCard(
        source=doc.raw.source,
        metadata=md.summary(),
        rubric={"id": outline.id, "name": outline.name, "hash": outline.sha256},
        backend=extraction.backend,
        model=extraction.model,
        total=total,
        max_total=_round(outline.max_total),
        grade=outline.grade_for(total),
        dimensions=dims,
        required=required,
        figures=figures,
        shortcomings=shortcomings,
        plans=plans,
        leader_duties=duties,
        coverage={
            "baseline_figures": cov.baseline,
            "used": cov.used,
            "share": round(cov.share, 3),
            "per_dimension": cov.per_dimension,
        },
        flagged={
            "ungrounded_quotes": [
                {"dimension": d.id, "summary": m.summary, "quote": m.quote.proposed}
                for d in dims
                for m in d.measures
                if m.quote.status == "not_found"
            ],
            "off_topic_quotes": [
                {"dimension": d.id, "summary": m.summary, "quote": m.quote.printed}
                for d in dims
                for m in d.measures
                if m.credit == 0 and m.quote.status != "not_found"
            ],
            "figures": [f.model_dump() for f in figures if f.status != "verified"],
        },
        usage=extraction.usage.model_dump(),
        notes=list(notes or []),
        provenance={
            "input_sha256": hashlib.sha256(doc.raw.text.encode("utf-8")).hexdigest(),
            "rubric_sha256": outline.sha256,
            "prompt_version": extraction.prompt_version,
            "model": extraction.model,
            "endpoint": extraction.endpoint,
            "backend": extraction.backend,
            "chunks": len(doc.chunks),
            "failed_chunks": [f.model_dump() for f in extraction.failed_chunks],
        },
    )
