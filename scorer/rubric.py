"""The deterministic rubric: every point is a pure function of the evidence, with its reason.

A proposed measure earns points only when its quote is in the report, is a measure done in the
year reported on (or a result), contains a keyword of its dimension, and its sentence has not
already earned in another dimension. A figure earns once per report, when the baseline finds it.
Points are kept unrounded until the total, which is rounded once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from scorer.card import (
    SCHEMA_VERSION,
    DimensionResult,
    FigureResult,
    KindResult,
    MeasureResult,
    Point,
    ScoreCard,
)
from scorer.crosscheck import FigureCheck
from scorer.evidence import Evidence, Located, gather_evidence, quote_of
from scorer.keywords import assign, hits, items_hit
from scorer.outline import Dimension, Outline
from scorer.pipeline import Document
from scorer.required import (
    contents_checks,
    grade_with_caps,
    item_results,
    required_results,
    shortcoming_results,
)
from scorer.roles import WORK_ROLES
from scorer.schema import ReportExtraction

__all__ = ["SCHEMA_VERSION", "ScoreCard", "gather_evidence", "score"]


@dataclass(frozen=True)
class Verdict:
    """What the scorer decided for one proposed measure."""

    outcome: str
    credit: float
    items: tuple[str, ...] = ()
    counted_in: str | None = None


def _credit(located: Located, outline: Outline) -> float:
    status = located.grounding.status
    return 1.0 if status == "exact" else outline.scoring.fuzzy_credit if status == "fuzzy" else 0.0


def decide(
    evidence: Evidence, outline: Outline, text: str, extraction: ReportExtraction | None = None
) -> dict[tuple[str, int], Verdict]:
    """The verdict on every proposed measure, (dimension, index) → Verdict.

    A sentence proposed under several dimensions earns in one only, chosen by the rubric's rule
    (`keywords.assign`) among the dimensions it was proposed under; a sentence proposed twice
    (or printed twice) earns once.
    """
    verdicts: dict[tuple[str, int], Verdict] = {}
    candidates: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
    for dim_id, measures in evidence.measures.items():
        for idx, (loc, _) in enumerate(measures):
            if not loc.found or loc.grounding.start is None:
                verdicts[dim_id, idx] = Verdict("not_found", 0.0)
                continue
            found = hits(text[loc.grounding.start : loc.grounding.end], outline).get(dim_id, [])
            items = tuple(items_hit(dim_id, found, outline))
            if not items:
                verdicts[dim_id, idx] = Verdict("off_topic", 0.0)
            elif loc.role not in WORK_ROLES:
                verdicts[dim_id, idx] = Verdict("not_done", 0.0, items)
            elif _model_role(extraction, dim_id, idx) not in (None, *WORK_ROLES):
                # The model's role is checked, not trusted, and it also checks the rules: a
                # sentence earns only when both say it is work done (or a result).
                verdicts[dim_id, idx] = Verdict("roles_disagree", 0.0, items)
            else:
                candidates.setdefault(loc.key, []).append((dim_id, idx, items))
    for key, group in candidates.items():
        first_dim, first_idx, _ = group[0]
        primary = evidence.measures[first_dim][first_idx][0].primary
        sentence = primary.text if primary else key
        winner = assign(hits(sentence, outline), outline, {d for d, _, _ in group}) or group[0][0]
        credited = False
        for dim_id, idx, items in group:
            loc = evidence.measures[dim_id][idx][0]
            if dim_id == winner and not credited:
                verdicts[dim_id, idx] = Verdict("credited", _credit(loc, outline), items)
                credited = True
            elif dim_id == winner:
                verdicts[dim_id, idx] = Verdict("duplicate", 0.0, items, winner)
            else:
                verdicts[dim_id, idx] = Verdict("other_dimension", 0.0, items, winner)
    return verdicts


def _model_role(extraction: ReportExtraction | None, dim_id: str, idx: int) -> str | None:
    if extraction is None or extraction.backend == "rules":
        return None
    return extraction.dimensions[dim_id][idx].model_role


def _figure(c: FigureCheck, dim_id: str, idx: int, earns: bool) -> FigureResult:
    return FigureResult(
        surface=c.surface,
        what=c.what,
        status=c.status,
        where=c.where,
        canonical=str(c.canonical) if c.canonical is not None else None,
        unit=c.unit,
        baseline_surface=c.baseline.surface if c.baseline else None,
        baseline_start=c.baseline.start if c.baseline else None,
        note=c.note,
        dimension=dim_id,
        measure=idx,
        earns=earns,
    )


def _measures(
    dim: Dimension,
    extraction: ReportExtraction,
    evidence: Evidence,
    verdicts: dict[tuple[str, int], Verdict],
    counted_figures: set[int],
    doc: Document,
) -> list[MeasureResult]:
    """The dimension's proposed measures with their verdicts; figures earn once per report."""
    results = []
    for idx, (m, (loc, checks)) in enumerate(
        zip(extraction.dimensions.get(dim.id, []), evidence.measures.get(dim.id, []), strict=True)
    ):
        v = verdicts[dim.id, idx]
        figures = []
        for c in checks:
            start = c.baseline.start if c.baseline is not None else None
            earns = (
                v.credit > 0 and c.status == "verified" and start is not None and start not in counted_figures
            )
            if earns:
                counted_figures.add(start)  # type: ignore[arg-type]
            figures.append(_figure(c, dim.id, idx, earns))
        results.append(
            MeasureResult(
                summary=m.summary,
                chunk=m.chunk,
                quote=quote_of(m.evidence, loc, doc),
                items=list(v.items),
                figures=figures,
                credit=v.credit,
                role=loc.role,
                model_role=m.model_role,
                sentences=loc.numbers,
                outcome=v.outcome,  # type: ignore[arg-type]
                counted_in=v.counted_in,
            )
        )
    return results


def _presence_reason(results: Sequence[MeasureResult]) -> str:
    """Say why each proposed measure did or did not count."""
    if not results:
        return "报告未写到这一维度"
    labels = {
        "not_found": "条引文在原文中找到不到",
        "off_topic": "条引文不含本维度的关键词",
        "not_done": "条不是已做的措施（计划、问题、标题、泛泛表述或未做）",
        "roles_disagree": "条模型认为不是已做的措施",
        "other_dimension": "条已计入其他维度",
        "duplicate": "条重复",
    }
    credited = sum(1 for r in results if r.outcome == "credited")
    others = [f"{n} {label}" for o, label in labels.items() if (n := sum(r.outcome == o for r in results))]
    others = [o.replace("找到不到", "找不到") for o in others]
    if not credited:
        return f"提出 {len(results)} 条措施，无一计分：{'；'.join(others)}"
    reason = f"{credited} 条已做措施或成效计分"
    return reason + (f"（另有 {'；'.join(others)}，不计分）" if others else "")


def _points(dim: Dimension, dim_max: float, results: list[MeasureResult], outline: Outline) -> list[Point]:
    sc = outline.scoring
    credited = [r for r in results if r.credit > 0]
    best = max(credited, key=lambda r: r.credit, default=None)
    item_credit: dict[str, tuple[float, str]] = {}
    for r in credited:
        for item in r.items:
            if r.credit > item_credit.get(item, (0.0, ""))[0]:
                item_credit[item] = (r.credit, r.quote.printed or "")
    breadth_units = sorted(item_credit.values(), reverse=True)[: sc.breadth_target]
    figures = sorted(
        ((r.credit, f.baseline_surface or f.surface) for r in credited for f in r.figures if f.earns),
        reverse=True,
    )[: sc.figure_target]
    depth_units = sum(r.credit for r in credited)
    names = {item.id: item.name for item in dim.items}
    n_figures = sum(1 for r in credited for f in r.figures if f.earns)
    return [
        Point(
            criterion="presence",
            points=dim_max * sc.presence * (best.credit if best else 0.0),
            max=dim_max * sc.presence,
            reason=_presence_reason(results),
            evidence=[best.quote.printed or ""] if best else [],
        ),
        Point(
            criterion="breadth",
            points=dim_max * sc.breadth * min(1.0, sum(c for c, _ in breadth_units) / sc.breadth_target),
            max=dim_max * sc.breadth,
            reason=f"覆盖 {len(item_credit)} 个子项（满分需 {sc.breadth_target} 个）："
            + "、".join(names[i] for i in item_credit)
            if item_credit
            else "计分的措施未覆盖任何子项",
            evidence=[p for _, p in breadth_units],
        ),
        Point(
            criterion="quantification",
            points=dim_max * sc.quantification * min(1.0, sum(c for c, _ in figures) / sc.figure_target),
            max=dim_max * sc.quantification,
            reason=f"{n_figures} 个数字经基线核实（满分需 {sc.figure_target} 个；同一数字全报告只计一次）",
            evidence=[s for _, s in figures],
        ),
        Point(
            criterion="depth",
            points=dim_max * sc.depth * depth_units / (depth_units + sc.depth_half),
            max=dim_max * sc.depth,
            reason=f"{len(credited)} 条计分措施（n/(n+{sc.depth_half:g})，每多一条都加分，边际递减）",
            evidence=[r.quote.printed or "" for r in credited[:3]],
        ),
    ]


def score_dimensions(
    outline: Outline, extraction: ReportExtraction, evidence: Evidence, doc: Document
) -> list[DimensionResult]:
    """Every dimension's points (unrounded: the total is rounded once)."""
    verdicts = decide(evidence, outline, doc.text, extraction)
    total_weight = sum(d.weight for d in outline.dimensions)
    counted_figures: set[int] = set()
    dims = []
    for d in outline.dimensions:
        dim_max = outline.scoring.dimension_points * d.weight / total_weight
        results = _measures(d, extraction, evidence, verdicts, counted_figures, doc)
        points = _points(d, dim_max, results, outline)
        dims.append(
            DimensionResult(
                id=d.id,
                name=d.name,
                score=sum(p.points for p in points),
                max=dim_max,
                credited=sum(1 for r in results if r.credit > 0),
                verified_figures=sum(1 for r in results for f in r.figures if f.earns),
                reasons=points,
                measures=results,
            )
        )
    return dims


def _flagged(dims: list[DimensionResult], figures: list[FigureResult]) -> dict[str, list]:
    def rows(outcome: str, printed: bool) -> list[dict]:
        return [
            {
                "dimension": d.id,
                "summary": m.summary,
                "quote": m.quote.printed if printed else m.quote.proposed,
                "role": m.role,
                "counted_in": m.counted_in,
            }
            for d in dims
            for m in d.measures
            if m.outcome == outcome
        ]

    return {
        "ungrounded_quotes": rows("not_found", printed=False),
        "off_topic_quotes": rows("off_topic", printed=True),
        "not_done": rows("not_done", printed=True),
        "roles_disagree": rows("roles_disagree", printed=True),
        "figures": [f.model_dump() for f in figures if f.status != "verified"],
    }


def score(
    outline: Outline,
    extraction: ReportExtraction,
    evidence: Evidence,
    doc: Document,
    *,
    kind: KindResult | None = None,
    notes: list[str] | None = None,
) -> ScoreCard:
    """Score a report. Pure: the same inputs always give the same card, byte for byte."""
    kind = kind or KindResult(kind="annual_report", label="法治政府建设年度报告")
    graded = kind.kind == "annual_report" or kind.forced
    dims = score_dimensions(outline, extraction, evidence, doc)
    shortcomings = shortcoming_results(extraction, evidence, outline, doc)
    plans = item_results(extraction.plans, evidence.plans, "plans", outline, doc)
    duties = item_results(extraction.leader_duties, evidence.leader_duties, "leader_duties", outline, doc)
    credited = [m.quote.printed or "" for d in dims for m in d.measures if m.credit > 0]
    checks = contents_checks(credited, shortcomings, plans, duties, outline, doc.metadata)
    required = required_results(checks, outline)
    total = min(outline.max_total, round(sum(d.score for d in dims) + sum(r.points for r in required), 2))
    grade, by_points, cap = grade_with_caps(total, required, outline)
    for d in dims:  # shown rounded; the total above was summed unrounded
        d.score, d.max = round(d.score, 2), round(d.max, 2)
        for p in d.reasons:
            p.points, p.max = round(p.points, 2), round(p.max, 2)
    figures = [f for d in dims for m in d.measures for f in m.figures]
    cov = evidence.coverage
    return ScoreCard(
        source=doc.raw.source,
        metadata=doc.metadata.summary(),
        rubric={"id": outline.id, "name": outline.name, "hash": outline.sha256},
        backend=extraction.backend,
        model=extraction.model,
        kind=kind,
        graded=graded,
        provisional=bool(extraction.failed_chunks or doc.raw.unread_pages),
        unread_pages=list(doc.raw.unread_pages),
        total=total,
        max_total=round(outline.max_total, 2),
        grade=grade if graded else None,
        grade_by_points=by_points if graded else None,
        cap=cap if graded else None,
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
        flagged={**_flagged(dims, figures), "dropped": [d.model_dump() for d in extraction.dropped]},
        usage=extraction.usage.model_dump(),
        notes=list(notes or []),
        provenance={
            "input_sha256": hashlib.sha256(doc.raw.text.encode("utf-8")).hexdigest(),
            "rubric_sha256": outline.sha256,
            "prompt_version": extraction.prompt_version,
            "model": extraction.model,
            "endpoint": extraction.endpoint,
            "cache_dir": extraction.cache_dir,
            "backend": extraction.backend,
            "chunks": len(doc.chunks),
            "failed_chunks": [f.model_dump() for f in extraction.failed_chunks],
        },
    )
