"""The review page's side panel: verdict, chart, required contents, summaries, data credibility.

Pure view models for `templates/report.html.j2`; every link points at a sentence (`#s17`) or a
removed line (`#r2`) of the same page, found by `page.Anchors` from the card's own quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

from scorer import labels_zh
from scorer.card import ScoreCard
from scorer.page import CIRCLED, Anchors, Mark, figure_check, status_mark
from scorer.pipeline import Document

BAR_WIDTH, ROW_HEIGHT, LABEL_WIDTH = 150.0, 24, 26


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Verdict:
    """Total and grade, or 不予评级 with the reason; `headline` is what a reader sees first."""

    headline: str
    graded: bool
    grade: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Bar:
    tag: str
    name: str
    dim: int
    y: int
    width: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: float
    height: int
    label_x: float
    bar_x: int
    bar_width: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Required:
    icon: str
    status: str
    css: str
    name: str
    points: str
    reason: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class DimSummary:
    dim: int
    tag: str
    name: str
    score: str
    counts: str
    lines: tuple[tuple[str, tuple[Link, ...]], ...]


@dataclass(frozen=True)
class Credibility:
    """A figure or quote that is not supported by the source or did not count, and why."""

    what: str
    verdict: str
    note: str
    links: tuple[Link, ...]


@dataclass(frozen=True)
class Legend:
    dim: int
    tag: str
    name: str


@dataclass(frozen=True)
class PageView:
    title: str
    facts: tuple[tuple[str, str], ...]
    verdict: Verdict
    chart: Chart
    legend: tuple[Legend, ...]
    required: tuple[Required, ...]
    dimensions: tuple[DimSummary, ...]
    coverage: str
    credibility: tuple[Credibility, ...]
    notes: tuple[str, ...]
    marked: int


def _links(anchors: list[str]) -> tuple[Link, ...]:
    return tuple(Link(f"第{a[1:]}句" if a.startswith("s") else "网页信息行", f"#{a}") for a in anchors)


def _tag(index: int) -> str:
    return CIRCLED[index - 1] if index <= len(CIRCLED) else str(index)


def verdict(card: ScoreCard) -> Verdict:
    if not card.graded:
        reasons = "；".join(card.kind.evidence[:4]) or "无明确依据"
        return Verdict(
            f"不予评级：本文件不是法治政府建设年度报告（识别为：{card.kind.label}）",
            False,
            "不予评级",
            (f"依据：{reasons}", f"分析得分 {card.total:g} / {card.max_total:g}，仅供参考"),
        )
    grade = card.grade or "未评等级"
    notes = []
    if card.provisional:
        grade = f"暂定：{grade}"
    if card.provenance.get("failed_chunks"):
        notes.append("暂定：部分分块抽取失败，未计分；总分和等级只反映其余部分。")
    if card.unread_pages:
        pages = labels_zh.unread_pages(card.unread_pages)
        notes.append(f"暂定：{pages}，未计分；总分和等级只反映其余部分，请 OCR 后重新评分。")
    if card.cap:
        notes.append(f"评级封顶：{card.cap}")
    if card.kind.forced:
        notes.append(f"按 --kind annual_report 强制评级：本文件被识别为{card.kind.label}")
    return Verdict(f"总分 {card.total:g} / {card.max_total:g}", True, grade, tuple(notes))


def chart(card: ScoreCard) -> Chart:
    """Horizontal bars, one per dimension, score over maximum (geometry only; the template draws)."""
    bars = tuple(
        Bar(
            _tag(i),
            d.name,
            i,
            (i - 1) * ROW_HEIGHT,
            round(BAR_WIDTH * (d.score / d.max if d.max else 0.0), 1),
            f"{d.score:g}/{d.max:g}",
        )
        for i, d in enumerate(card.dimensions, 1)
    )
    width = LABEL_WIDTH + BAR_WIDTH + 60
    return Chart(width, ROW_HEIGHT * len(bars), LABEL_WIDTH + BAR_WIDTH + 6, LABEL_WIDTH, BAR_WIDTH, bars)


def _credibility(card: ScoreCard, anchors: Anchors) -> tuple[Credibility, ...]:
    names = {d.id: d.name for d in card.dimensions}
    rows = []
    for d in card.dimensions:
        for m in d.measures:
            for f in m.figures:
                if f.status != "verified":
                    rows.append(
                        Credibility(
                            f"数字 {f.surface}（{names.get(f.dimension, f.dimension)}）",
                            figure_check(f.status),
                            f.note,
                            _links([f"s{n}" for n in m.sentences]),
                        )
                    )
    groups = (
        ("ungrounded_quotes", "❌ 原文未找到"),
        ("off_topic_quotes", "不含所归维度的关键词，不计分"),
        ("not_done", "不是当年已做的措施或成效，不计分"),
        ("roles_disagree", "规则与模型对作用判断不一致，不计分"),
    )
    for key, why in groups:
        for row in card.flagged.get(key, []):
            role = f"（{labels_zh.role(row['role'])}）" if row.get("role") else ""
            where = anchors.all([row["quote"]]) if key != "ungrounded_quotes" else []
            rows.append(
                Credibility(
                    f"{names.get(row['dimension'], row['dimension'])}{role}", why, row["quote"], _links(where)
                )
            )
    for row in card.flagged.get("dropped", []):
        rows.append(
            Credibility(row.get("summary") or "（无概括）", "模型答案已删除", row.get("reason", ""), ())
        )
    return tuple(rows)


def _dimensions(card: ScoreCard) -> tuple[DimSummary, ...]:
    out = []
    for i, d in enumerate(card.dimensions, 1):
        lines = tuple((s.text, _links([f"s{n}" for n in s.sentences])) for s in d.summary)
        if not lines:  # the rules backend writes no summary: the rubric's reasons say what counted
            lines = tuple((p.reason, ()) for p in d.reasons)
        counts = f"计分措施 {d.credited} 条（提出 {len(d.measures)} 条），核实数字 {d.verified_figures} 个"
        out.append(DimSummary(i, _tag(i), d.name, f"{d.score:g}/{d.max:g}", counts, lines))
    return tuple(out)


def _facts(card: ScoreCard) -> tuple[tuple[str, str], ...]:
    md = card.metadata
    backend = (
        "规则抽取（离线，未使用大模型）" if card.backend == "rules" else f"大模型抽取：{card.model or ''}"
    )
    return (
        ("文件", str(md.get("title") or card.source)),
        ("类型", card.kind.label),
        ("原文字体", labels_zh.script(md.get("script"))),
        ("发布日期", str(md.get("published") or "未载明")),
        ("评分细则", f"{card.rubric['name']}（{card.rubric['id']}）"),
        ("抽取方式", backend),
    )


def panel(card: ScoreCard, doc: Document, found: dict[int, Mark]) -> PageView:
    """Everything beside the report text."""
    anchors = Anchors(doc)
    md = card.metadata
    who = md.get("issuer") or md.get("region") or "（未识别发布主体）"
    year = f"{md['year']}年度" if md.get("year") else "（年度不详）"
    required = tuple(
        Required(
            *status_mark(r.status),
            r.status,
            r.name,
            f"{r.points:g}/{r.max:g}",
            r.reason,
            _links(anchors.all(r.evidence)),
        )
        for r in card.required
    )
    cov = card.coverage
    return PageView(
        title=f"法治政府建设报告评估：{who} {year}",
        facts=_facts(card),
        verdict=verdict(card),
        chart=chart(card),
        legend=tuple(Legend(i, _tag(i), d.name) for i, d in enumerate(card.dimensions, 1)),
        required=required,
        dimensions=_dimensions(card),
        coverage=f"正则基线在原文中找到 {cov['baseline_figures']} 个数字，抽取结果核实使用了其中 "
        f"{cov['used']} 个（{cov['share']:.0%}）。",
        credibility=_credibility(card, anchors),
        notes=tuple(card.notes),
        marked=sum(1 for m in found.values() if m.kind == "credited"),
    )
