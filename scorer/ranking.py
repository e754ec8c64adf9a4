"""The batch ranking: one ranked list per rubric, ties sharing a rank, every document accounted for.

Reports scored under different rubrics are never ranked together: their dimensions and the
maxima of their dimensions differ, so a 2015-outline total and a 2021-outline total do not
measure the same thing. Within a rubric, reports are ordered by grade, then total (a capped
report ranks below every report of a better grade); equal grade and total share a rank
(competition ranking: 1, 2, 2, 4). Documents that are not graded (not annual reports) and
reports whose extraction failed are listed after the ranked ones, without a rank.

Pure functions from score cards (as JSON dicts) to tables; `scorer/batch.py` writes the files
and `scorer/workbook.py` builds ranking.xlsx from the same `Ranking`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scorer import labels_zh
from scorer.errors import ScorerError
from scorer.memo import md_escape
from scorer.outline import load_outline

YES, NO = "是", "否"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Document:
    """One batch input as the ranking sees it: its file name, its card (None if it failed), the error."""

    name: str
    card: dict[str, Any] | None
    error: str | None = None


@dataclass(frozen=True)
class DimensionScore:
    id: str
    name: str
    score: float


@dataclass(frozen=True)
class Entry:
    """One row of the ranking; `rank` is None for documents that are not ranked. A failed report
    has no card: only its file name, `failed` and the cause in `note`."""

    file: str
    note: str
    rank: int | None = None
    rubric_id: str | None = None
    rubric_name: str | None = None
    issuer: str = ""
    kind: str | None = None
    kind_label: str = ""
    year: int | None = None
    published: str | None = None
    total: float | None = None
    grade: str | None = None
    graded: bool = False
    provisional: bool = False
    failed: bool = False
    backend: str = ""
    model: str | None = None
    dimensions: tuple[DimensionScore, ...] = ()
    verified_figures: int | None = None
    flagged_figures: int | None = None
    ungrounded_quotes: int | None = None
    evidence: str = ""


@dataclass(frozen=True)
class Group:
    """The ranked reports of one rubric, best first, and that rubric's dimensions (id, name)."""

    rubric_id: str
    rubric_name: str
    years: tuple[int, int] | None
    dimensions: tuple[tuple[str, str], ...]
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Ranking:
    groups: tuple[Group, ...]
    unranked: tuple[Entry, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every row: the ranked reports rubric by rubric, then the documents not ranked."""
        return tuple(e for g in self.groups for e in g.entries) + self.unranked


def rankable(card: dict[str, Any] | None) -> bool:
    """Only a graded card with a grade is ranked; failed reports have no card at all."""
    return card is not None and card.get("graded", True) is not False and card.get("grade") is not None


def backend_label(e: Entry) -> str:
    """How the extraction was made, in the memo's words."""
    if e.backend == "llm":
        return f"大模型（{e.model or '未知模型'}）"
    return "规则" if e.backend == "rules" else e.backend


def _evidence(card: dict[str, Any]) -> str:
    return "；".join(str(e) for e in ((card.get("kind") or {}).get("evidence") or [])[:2])


def _note(card: dict[str, Any]) -> str:
    """Why a document is not ranked, or what qualifies a grade (cap, provisional)."""
    kind = card.get("kind") or {}
    if not rankable(card):
        evidence = _evidence(card)
        label = kind.get("label") or "未知类型"
        because = f"；依据：{evidence}" if evidence else ""
        return f"不是法治政府建设年度报告（识别为：{label}），不参与排名{because}"
    notes = [str(card["cap"])] if card.get("cap") else []
    unread = card.get("unread_pages") or []  # absent when every page was read
    chunks_failed = bool((card.get("provenance") or {}).get("failed_chunks"))
    if card.get("provisional") and (chunks_failed or not unread):
        notes.append("有分块抽取失败，评分为暂定")
    if unread:
        notes.append(f"{labels_zh.unread_pages(unread)}，评分为暂定；请 OCR 后重新评分")
    if kind.get("forced"):
        notes.append(f"按 --kind annual_report 强制评级（识别为：{kind.get('label')}）")
    return "；".join(notes)


def entry_for(doc: Document, rank: int | None = None) -> Entry:
    """The row of one document; failed documents keep only their file name and the cause."""
    c = doc.card
    if c is None:
        return Entry(doc.name, doc.error or "评分失败", failed=True)
    md, kind, ranked = c.get("metadata") or {}, c.get("kind") or {}, rankable(c)
    figures = c.get("figures") or []
    dims = tuple(DimensionScore(d["id"], d["name"], d["score"]) for d in c.get("dimensions") or [])
    return Entry(
        file=doc.name,
        rank=rank,
        rubric_id=(c.get("rubric") or {}).get("id"),
        rubric_name=(c.get("rubric") or {}).get("name"),
        issuer=md.get("issuer") or md.get("region") or "",
        kind=kind.get("kind") or "annual_report",
        kind_label=kind.get("label") or "法治政府建设年度报告",
        year=md.get("year"),
        published=md.get("published"),
        total=c["total"] if ranked else None,
        grade=c.get("grade") if ranked else None,
        graded=ranked,
        provisional=bool(c.get("provisional")),
        backend=str(c.get("backend") or ""),
        model=c.get("model"),
        dimensions=dims if ranked else (),
        verified_figures=sum(1 for f in figures if f["status"] == "verified") if ranked else None,
        flagged_figures=sum(1 for f in figures if f["status"] != "verified") if ranked else None,
        ungrounded_quotes=len((c.get("flagged") or {}).get("ungrounded_quotes") or []) if ranked else None,
        note=_note(c),
        evidence="" if ranked else _evidence(c),
    )


def _grade_rank(rubric_id: str, grade: str) -> int:
    try:
        return load_outline(rubric_id).grade_rank(grade)
    except ScorerError:
        return 0


def _years(rubric_id: str) -> tuple[int, int] | None:
    try:
        return load_outline(rubric_id).years
    except ScorerError:
        return None


def rank_key(card: dict[str, Any]) -> tuple[int, float]:
    """Grade first, then total: a report capped for missing required contents ranks below every
    report of a better grade, whatever its points. Equal keys share a rank."""
    return _grade_rank(card["rubric"]["id"], card["grade"]), -float(card["total"])


def competition_ranks(keys: Sequence[Any]) -> list[int]:
    """Ranks of sorted keys where equal keys share a rank and the next rank skips: 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, key in enumerate(keys):
        ranks.append(ranks[-1] if i and key == keys[i - 1] else i + 1)
    return ranks


def _group(rubric_id: str, docs: list[Document]) -> Group:
    docs = sorted(docs, key=lambda d: rank_key(d.card))  # type: ignore[arg-type]  # stable: ties keep input order
    ranks = competition_ranks([rank_key(d.card) for d in docs])  # type: ignore[arg-type]
    dims: list[tuple[str, str]] = []
    for d in docs:
        dims += [(x["id"], x["name"]) for x in d.card["dimensions"] if (x["id"], x["name"]) not in dims]  # type: ignore[index]
    name = docs[0].card["rubric"].get("name") or rubric_id  # type: ignore[index]
    entries = tuple(entry_for(d, r) for d, r in zip(docs, ranks, strict=True))
    return Group(rubric_id, name, _years(rubric_id), tuple(dims), entries)


def build(docs: Sequence[Document]) -> Ranking:
    """One ranking per rubric (the newest outline first), then the unranked documents in input
    order: not graded first, then failed."""
    by_rubric: dict[str, list[Document]] = {}
    for d in docs:
        if rankable(d.card):
            by_rubric.setdefault(d.card["rubric"]["id"], []).append(d)  # type: ignore[index]
    groups = sorted((_group(rid, ds) for rid, ds in by_rubric.items()), key=_group_order)
    not_graded = [entry_for(d) for d in docs if d.card is not None and not rankable(d.card)]
    failed = [entry_for(d) for d in docs if d.card is None]
    return Ranking(tuple(groups), tuple(not_graded + failed))


def _group_order(g: Group) -> tuple[int, str]:
    return (-(g.years[0] if g.years else 0), g.rubric_id)


def yes_no(flag: bool) -> str:
    return YES if flag else NO


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would read as a formula (=, +, -, @ first) gets a leading apostrophe:
    issuers and file names come from the reports, and a report must not run code in Excel."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _number(value: float | None) -> Any:
    return "" if value is None else value


def dimension_columns(r: Ranking) -> list[tuple[str, str, str]]:
    """(rubric id, dimension id, header) for every rubric's dimensions: a column never mixes two
    rubrics; a name two rubrics share is told apart by the rubric's name."""
    cols = [(g.rubric_id, dim_id, name) for g in r.groups for dim_id, name in g.dimensions]
    names = [name for _, _, name in cols]
    rubric_names = {g.rubric_id: g.rubric_name for g in r.groups}
    return [
        (rid, did, name if names.count(name) == 1 else f"{name}（{rubric_names[rid]}）")
        for rid, did, name in cols
    ]


LEAD = ["排名", "评分标准", "文件", "发文机关", "文件类型", "报告年度", "发布日期", "总分", "等级"]
FLAGS = ["已评级", "评分暂定", "评分失败", "抽取方式"]
COUNTS = ["核实数字", "存疑数字", "未找到引文", "说明"]


def csv_table(r: Ranking) -> tuple[list[str], list[list[Any]]]:
    """ranking.csv: every document, ranked reports first (rank within their rubric)."""
    dims = dimension_columns(r)
    header = [*LEAD, *FLAGS, *(h for _, _, h in dims), *COUNTS]
    rows = []
    for e in r.entries:
        scores = {(e.rubric_id, d.id): d.score for d in e.dimensions}
        rows.append(
            [
                *(_number(e.rank), e.rubric_name or "", e.file, e.issuer, e.kind_label),
                *(_number(e.year), e.published or "", _number(e.total), e.grade or ""),
                *(yes_no(e.graded), yes_no(e.provisional), yes_no(e.failed), backend_label(e)),
                *(scores.get((rid, did), "") for rid, did, _ in dims),
                *(_number(e.verified_figures), _number(e.flagged_figures), _number(e.ungrounded_quotes)),
                e.note,
            ]
        )
    return header, rows


def group_table(g: Group) -> tuple[list[str], list[list[Any]]]:
    """One rubric's ranked reports, with that rubric's dimensions only (Markdown, xlsx)."""
    header = ["排名", "文件", "发文机关", "文件类型", "报告年度", "发布日期", "总分", "等级", "评分暂定"]
    header += ["抽取方式", *(name for _, name in g.dimensions), *COUNTS]
    rows = []
    for e in g.entries:
        scores = {d.id: d.score for d in e.dimensions}
        rows.append(
            [
                *(e.rank, e.file, e.issuer, e.kind_label, _number(e.year), e.published or ""),
                *(e.total, e.grade, yes_no(e.provisional), backend_label(e)),
                *(scores.get(dim_id, "") for dim_id, _ in g.dimensions),
                *(e.verified_figures, e.flagged_figures, e.ungrounded_quotes, e.note),
            ]
        )
    return header, rows


UNRANKED_HEADER = ["文件", "发文机关", "文件类型", "报告年度", "发布日期", "评分标准", "评分失败", "说明"]


def unranked_table(r: Ranking) -> tuple[list[str], list[list[Any]]]:
    """The 未评级 sheet: documents that are not annual reports, then failed extractions."""
    rows = [
        [e.file, e.issuer, e.kind_label, _number(e.year), e.published or "", e.rubric_name or "", *more]
        for e in r.unranked
        for more in [[yes_no(e.failed), e.note]]
    ]
    return UNRANKED_HEADER, rows


NOT_GRADED_HEADER = ["文件", "发文机关", "报告年度", "发布日期", "文件类型", "依据"]


def not_graded_table(r: Ranking) -> list[list[Any]]:
    """not_graded.csv: documents the gate did not grade (e.g. a 政府工作报告), never failures."""
    return [
        [e.file, e.issuer, _number(e.year), e.published or "", e.kind_label, e.evidence]
        for e in r.unranked
        if not e.failed
    ]


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text (without the BOM, which the file writer adds); formula-like text is neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def _md_table(header: list[str], rows: list[list[Any]]) -> list[str]:
    md = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return md + ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]


def _md_cell(value: Any) -> str:
    """Report text is escaped; numbers are ours and print as they are (84.89, not 84\\.89)."""
    return str(value) if isinstance(value, int | float) else md_escape(str(value))


def markdown(r: Ranking) -> str:
    """ranking.md: one table per rubric, then the documents not graded, then the failures."""
    md = ["# 排名", ""]
    md += ["同一评分标准内按等级、再按总分排序；等级和总分都相同的并列，下一名次顺延（1、2、2、4）。"]
    md += ["不同评分标准（纲要）的维度和满分不同，分别排名。"]
    if not r.groups:
        md += ["", "没有可排名的年度报告。"]
    for g in r.groups:
        title = f"## {md_escape(g.rubric_name)}（{md_escape(g.rubric_id)}）"
        md += ["", title, "", *_md_table(*group_table(g))]
    not_graded = [e for e in r.unranked if not e.failed]
    if not_graded:
        md += ["", "## 未评级文件（不是法治政府建设年度报告，不参与排名）", ""]
        rows = [[e.file, e.issuer, _number(e.year), e.kind_label, e.evidence] for e in not_graded]
        md += _md_table(["文件", "发文机关", "报告年度", "文件类型", "依据"], rows)
    failed = [[e.file, e.note] for e in r.unranked if e.failed]
    if failed:
        md += ["", "## 评分失败（不参与排名）", "", *_md_table(["文件", "原因"], failed)]
    return "\n".join(md) + "\n"


def json_lines(r: Ranking) -> str:
    """The ranking as JSON Lines, the rows of ranking.csv in the same order (keys for programs)."""
    lines = []
    for e in r.entries:
        row = {
            "rank": e.rank,
            "rubric": e.rubric_id,
            "rubric_name": e.rubric_name,
            "file": e.file,
            "issuer": e.issuer,
            "kind": e.kind,
            "kind_label": e.kind_label,
            "year": e.year,
            "published": e.published,
            "total": e.total,
            "grade": e.grade,
            "graded": e.graded,
            "provisional": e.provisional,
            "failed": e.failed,
            "backend": e.backend or None,
            "model": e.model,
            "dimensions": {d.id: d.score for d in e.dimensions},
            "verified_figures": e.verified_figures,
            "flagged_figures": e.flagged_figures,
            "ungrounded_quotes": e.ungrounded_quotes,
            "note": e.note,
        }
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    return "".join(lines)
