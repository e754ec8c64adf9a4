"""The Markdown assessment memo, in Chinese, that a legal-affairs office can paste into a memo.

`render_memo` turns a score card into a plain view of the memo (frozen dataclasses: sections,
rows, quotes; every id already replaced by its Chinese label from scorer/data/labels_zh.toml) and
renders `templates/memo.md.j2` with it. The layout is the template's; Python assembles no Markdown.
Report text is escaped by the template's `md` filter only where it would otherwise be markup.
"""

from __future__ import annotations

from typing import Any

from scorer import labels_zh
from scorer.card import DimensionResult, ItemResult, MeasureResult, ScoreCard
from scorer.markdown import md_escape
from scorer.memo_model import (
    Credibility,
    Criterion,
    Dimension,
    Dropped,
    Figure,
    FlaggedFigure,
    Header,
    Item,
    ItemSection,
    Labelled,
    Measure,
    Memo,
    NotCounted,
    Part,
    Provenance,
    QuoteGroup,
    QuoteRow,
    Required,
    SummaryLine,
    Total,
    Verdict,
)
from scorer.templates import render

__all__ = ["md_escape", "memo_view", "render_memo"]

TOP_MEASURES = 3
TOP_ITEMS = 8


def _status(group: str, key: str) -> Labelled:
    return Labelled(key, labels_zh.label(group, key))


def _several(card: ScoreCard) -> bool:
    return (card.provenance.get("chunks") or 1) > 1


def _header(card: ScoreCard) -> Header:
    md = card.metadata
    return Header(
        who=md.get("issuer") or md.get("region") or "",
        year=md.get("year"),
        file=md.get("title") or card.source,
        kind=card.kind.label,
        script=labels_zh.script(md.get("script")),
        format_line=labels_zh.source_format(md.get("encoding")),
        published=md.get("published"),
        doc_number=md.get("doc_number"),
        rubric=card.rubric["name"],
        backend=labels_zh.backend(card.backend),
        llm=card.backend != "rules",
        model=card.model or "",
        endpoint=card.provenance.get("endpoint") or "",
    )


def _total(card: ScoreCard) -> Total:
    several = _several(card)
    failed = card.provenance.get("failed_chunks", [])
    timely = next((r for r in card.required if r.id == "published_on_time"), None)
    unknown = timely is not None and timely.status == "unknown"
    return Total(
        graded=card.graded,
        total=card.total,
        max_total=card.max_total,
        grade=card.grade,
        provisional=card.provisional,
        failed_parts=tuple(Part(f["chunk"] + 1, f["title"]) for f in failed) if several else (),
        chunks_failed=bool(failed),
        unread_pages=labels_zh.unread_pages(card.unread_pages) if card.unread_pages else None,
        cap=card.cap,
        timeliness_unknown=timely.reason if timely and unknown else None,
        timeliness_max=timely.max if timely else 0,
    )


def _measure(m: MeasureResult, several: bool) -> Measure:
    figures = tuple(Figure(f.surface, f.what, _status("figure_status", f.status)) for f in m.figures)
    return Measure(
        title=m.summary,
        role=labels_zh.role(m.role) if m.role else "",
        match=labels_zh.label("quote_status", m.quote.status),
        chunk=m.chunk + 1 if several else None,
        quote=m.quote.printed or "",
        figures=figures,
    )


def _not_counted(d: DimensionResult) -> tuple[NotCounted, ...]:
    """Measures proposed under this dimension that were plans, problems, headings … not work done."""
    by_role: dict[str, list[str]] = {}
    for m in d.measures:
        if m.outcome == "not_done" and m.role:
            by_role.setdefault(m.role, []).append(m.quote.printed or "")
    return tuple(NotCounted(labels_zh.role(r), len(q), q[0]) for r, q in sorted(by_role.items()))


def _dimension(d: DimensionResult, card: ScoreCard) -> Dimension:
    strongest = sorted(
        (m for m in d.measures if m.credit > 0),
        key=lambda m: (-m.credit, -sum(f.earns for f in m.figures), -len(m.items), m.chunk),
    )[:TOP_MEASURES]
    return Dimension(
        name=d.name,
        score=d.score,
        max=d.max,
        credited=d.credited,
        proposed=len(d.measures),
        verified_figures=d.verified_figures,
        reason=d.reasons[0].reason if d.reasons else "",
        summary=tuple(SummaryLine(s.text, ",".join(map(str, s.sentences))) for s in d.summary),
        rules_note=not d.summary and card.backend == "rules" and d.credited > 0,
        criteria=tuple(
            Criterion(labels_zh.criterion(p.criterion), p.points, p.max, p.reason) for p in d.reasons
        ),
        measures=tuple(_measure(m, _several(card)) for m in strongest),
        not_counted=_not_counted(d),
    )


def _section(key: str, items: list[ItemResult], with_causes: bool = False) -> ItemSection:
    shown = [i for i in items if i.quote.status != "not_found"]

    def causes(i: ItemResult) -> str | None:
        found = i.causes_quote and i.causes_quote.status != "not_found"
        return (i.causes_quote.printed or "") if found and i.causes_quote else None

    rows = tuple(Item(i.text, i.quote.printed or "", causes(i)) for i in shown[:TOP_ITEMS])
    return ItemSection(key, rows, max(0, len(shown) - TOP_ITEMS), with_causes)


def _quotes(key: str, rows: list[dict[str, Any]], names: dict[str, str]) -> QuoteGroup:
    return QuoteGroup(
        key,
        tuple(
            QuoteRow(
                labels_zh.dimension(u.get("dimension"), names),
                labels_zh.role(u["role"]) if u.get("role") else None,
                u.get("quote") or "",
            )
            for u in rows
        ),
    )


_QUOTE_GROUPS = ("ungrounded_quotes", "off_topic_quotes", "not_done", "roles_disagree")


def _credibility(card: ScoreCard) -> Credibility:
    """Every figure and quote that is not supported by the source, or did not count, and why."""
    names = {d.id: d.name for d in card.dimensions}
    flagged = tuple(
        FlaggedFigure(
            f.surface, labels_zh.dimension(f.dimension, names), _status("figure_status", f.status), f.note
        )
        for f in card.figures
        if f.status != "verified"
    )
    ungrounded = card.flagged.get("ungrounded_quotes", [])
    groups = [_quotes(key, card.flagged.get(key, []), names) for key in _QUOTE_GROUPS]
    dropped = tuple(
        Dropped(d.get("summary") or "", d.get("reason") or "") for d in card.flagged.get("dropped", [])
    )
    cov = card.coverage
    return Credibility(
        baseline=cov["baseline_figures"],
        used=cov["used"],
        share=cov["share"],
        figures=flagged,
        all_grounded=not ungrounded,
        groups=tuple(g for g in groups if g.rows),
        dropped=dropped,
    )


def _provenance(card: ScoreCard) -> Provenance:
    u = card.usage
    return Provenance(
        rubric_id=card.rubric["id"],
        rubric_hash=card.rubric["hash"][:16],
        prompt_version=card.provenance.get("prompt_version"),
        model=card.model,
        cache_dir=card.provenance.get("cache_dir"),
        calls=u.get("calls", 0),
        cache_hits=u.get("cache_hits", 0),
        prompt_tokens=u.get("prompt_tokens", 0),
        cached_prompt_tokens=u.get("cached_prompt_tokens", 0),
        completion_tokens=u.get("completion_tokens", 0),
        chunks=card.provenance.get("chunks") or 0,
        failed_chunks=len(card.provenance.get("failed_chunks", [])),
        agreement=card.agreement,
        summary_dropped=card.summary_dropped,
    )


def memo_view(card: ScoreCard) -> Memo:
    """The memo as plain data: what each section shows, ids already in Chinese."""
    timely = next((r for r in card.required if r.id == "published_on_time"), None)
    required = tuple(
        Required(r.name, _status("status", r.status), r.points, r.max, r.reason, tuple(r.evidence[:2]))
        for r in card.required
    )
    return Memo(
        verdict=Verdict(card.graded, card.kind.forced, card.kind.label, tuple(card.kind.evidence[:4])),
        header=_header(card),
        total=_total(card),
        dimensions=tuple(_dimension(d, card) for d in card.dimensions),
        required=required,
        timeliness=required[card.required.index(timely)] if timely else None,
        sections=(
            _section("shortcomings", card.shortcomings, with_causes=True),
            _section("plans", card.plans),
            _section("leader_duties", card.leader_duties),
        ),
        credibility=_credibility(card),
        notes=tuple(card.notes),
        provenance=_provenance(card),
    )


def _md(text: str | None, where: str = "inline") -> str:
    return md_escape(text, where)  # type: ignore[arg-type]


def _number(value: float) -> str:
    return f"{value:g}"


def _percent(value: float) -> str:
    return f"{value:.0%}"


FILTERS = (("md", _md), ("num", _number), ("pct", _percent))


def render_memo(card: ScoreCard) -> str:
    """The memo as Markdown; the same card always gives the same bytes."""
    return render("memo.md.j2", filters=FILTERS, memo=memo_view(card))
