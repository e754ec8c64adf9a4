"""The batch dashboard (`index.html`): every report of a batch on one page, linked to its review page.

A sortable ranking per rubric whose dimension cells are shaded as a heat map, the documents that
were not graded in their own table, and the reports that failed. Pure view models for
`templates/index.html.j2`, built from the batch outcomes' card dicts (as written to NAME.json,
so resumed reports cost no re-scoring); the table reads in full without JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from scorer.page import CIRCLED
from scorer.ranking import competition_ranks, rank_key
from scorer.templates import render

SHORT = {
    "measures": "举措成效",
    "shortcomings": "不足",
    "causes": "原因",
    "leader_duties": "第一责任人",
    "plans": "明年安排",
    "published_on_time": "按时公开",
}
TICK = {"pass": ("✔", "1"), "fail": ("✘", "0"), "unknown": ("？", "0.5")}
SCRIPT = "sort.js.j2"


class _Job(Protocol):
    path: Path
    stem: str


class BatchOutcome(Protocol):
    """What the index needs of one `batch.Outcome` (kept structural: no import cycle)."""

    job: _Job
    card: dict[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class Cell:
    """One cell: its text, the value sorting uses when the text is not it, a heat step 0–9."""

    text: str
    sort: str | None = None
    shade: int | None = None
    numeric: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    name: str
    href: str | None
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    id: str
    caption: str
    legend: tuple[tuple[str, str], ...]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class IndexView:
    title: str
    summary: str
    ranked: tuple[Table, ...]
    not_graded: Table | None
    failed: Table | None
    script_hash: str

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for t in (*self.ranked, self.not_graded, self.failed) if t is not None)


def page_href(stem: str) -> str:
    """A relative, URL-quoted link to a report's page: a hostile file name stays a file name."""
    return "./" + quote(f"{stem}.html")


def _graded(card: dict[str, Any] | None) -> bool:
    return card is not None and card.get("graded", True) is not False and card.get("grade") is not None


def _shade(score: float, top: float) -> int:
    return max(0, min(9, int(10 * score / top))) if top else 0


def _ranked_rows(outcomes: list[BatchOutcome], dims: list[str], required: list[str]) -> tuple[Row, ...]:
    ranked = sorted(outcomes, key=lambda o: rank_key(o.card))  # type: ignore[arg-type]
    ranks = competition_ranks([rank_key(o.card) for o in ranked])  # type: ignore[arg-type]
    rows = []
    for rank, o in zip(ranks, ranked, strict=True):
        c: dict[str, Any] = o.card  # type: ignore[assignment]
        md = c.get("metadata") or {}
        per_dim = {d["id"]: d for d in c["dimensions"]}
        per_req = {r["id"]: r["status"] for r in c["required"]}
        grade = c["grade"] + ("（暂定）" if c.get("provisional") else "")
        cells = [
            Cell(str(rank), numeric=True),
            Cell(md.get("issuer") or md.get("region") or ""),
            Cell(f"{c['total']:g}", numeric=True),
            Cell(grade, str(rank_key(c)[0])),  # sorts by grade, as the ranking does
        ]
        for dim in dims:
            d = per_dim.get(dim)
            score = (
                Cell(f"{d['score']:g}", shade=_shade(d["score"], d["max"]), numeric=True) if d else Cell("")
            )
            cells.append(score)
        for req in required:
            mark, value = TICK.get(per_req.get(req, ""), ("", ""))
            cells.append(Cell(mark, value))
        kind = c.get("kind") or {}
        label = "年度报告" if kind.get("kind", "annual_report") == "annual_report" else kind.get("label", "")
        cells += [
            Cell(label + ("（强制评级）" if kind.get("forced") else "")),
            Cell(str(md.get("year") or ""), numeric=True),
            Cell(md.get("published") or ""),
            Cell("暂定" if c.get("provisional") else "完成"),
        ]
        rows.append(Row(o.job.path.name, page_href(o.job.stem), tuple(cells)))
    return tuple(rows)


def ranked_table(rubric_id: str, outcomes: list[BatchOutcome]) -> Table:
    """The ranking under one rubric: grade first, then total (a capped report ranks below every
    report of a better grade), with one heat-shaded column per dimension."""
    cards = [o.card for o in outcomes if o.card is not None]
    dims: dict[str, str] = {}
    required: dict[str, str] = {}
    for c in cards:
        dims.update((d["id"], d["name"]) for d in c["dimensions"] if d["id"] not in dims)
        required.update((r["id"], r["name"]) for r in c["required"] if r["id"] not in required)
    tags = [CIRCLED[i] if i < len(CIRCLED) else str(i + 1) for i in range(len(dims))]
    columns = [
        Column("名次", "按等级、再按总分排名", True),
        Column("发布主体", "报告的发布主体"),
        Column("总分", "满分 100", True),
        Column("等级", "评级（封顶后）"),
        *(Column(t, name, True) for t, name in zip(tags, dims.values(), strict=True)),
        *(Column(SHORT.get(r, name), name, True) for r, name in required.items()),
        Column("类型", "文件类型"),
        Column("年度", "报告年度", True),
        Column("发布日期", "报告载明的发布日期"),
        Column("状态", "暂定：部分分块抽取失败"),
    ]
    name = (cards[0].get("rubric") or {}).get("name", rubric_id) if cards else rubric_id
    return Table(
        f"rank-{rubric_id}",
        f"排名：{name}（{rubric_id}），{len(cards)} 份",
        tuple(zip(tags, dims.values(), strict=True)),
        tuple(columns),
        _ranked_rows(outcomes, list(dims), list(required)),
    )


def not_graded_table(outcomes: list[BatchOutcome]) -> Table | None:
    """Documents that are not annual reports (a 政府工作报告 …): listed with why, never ranked."""
    rows = []
    for o in outcomes:
        c = o.card
        if c is None or _graded(c):
            continue
        md, kind = c.get("metadata") or {}, c.get("kind") or {}
        evidence = "；".join(str(e) for e in (kind.get("evidence") or [])[:2])
        cells = (
            Cell(md.get("issuer") or md.get("region") or ""),
            Cell(str(md.get("year") or ""), numeric=True),
            Cell(kind.get("label") or kind.get("kind") or ""),
            Cell(f"{c['total']:g}", numeric=True),
            Cell(evidence),
        )
        rows.append(Row(o.job.path.name, page_href(o.job.stem), cells))
    if not rows:
        return None
    columns = (
        Column("发布主体", ""),
        Column("年度", "", True),
        Column("识别为", "文件类型"),
        Column("分析得分", "仅供参考", True),
        Column("依据", "文件类型判断的依据"),
    )
    caption = f"未评级文件（不是法治政府建设年度报告，不参与排名），{len(rows)} 份"
    return Table("not-graded", caption, (), columns, tuple(rows))


def failed_table(outcomes: list[BatchOutcome]) -> Table | None:
    rows = tuple(
        Row(o.job.path.name, None, (Cell(o.error or ""),)) for o in outcomes if o.card is None and o.error
    )
    if not rows:
        return None
    return Table("failed", f"评分失败（不参与排名），{len(rows)} 份", (), (Column("原因", ""),), rows)


def index_view(outcomes: list[BatchOutcome]) -> IndexView:
    by_rubric: dict[str, list[BatchOutcome]] = {}
    for o in outcomes:
        if _graded(o.card):
            by_rubric.setdefault(o.card["rubric"]["id"], []).append(o)  # type: ignore[index]
    ranked = tuple(ranked_table(r, group) for r, group in sorted(by_rubric.items()))
    not_graded, failed = not_graded_table(outcomes), failed_table(outcomes)
    n_graded = sum(len(g) for g in by_rubric.values())
    summary = (
        f"评级 {n_graded} 份，未评级 {len(not_graded.rows) if not_graded else 0} 份，"
        f"失败 {len(failed.rows) if failed else 0} 份。点击表头排序；点击文件名打开该报告的评审页。"
    )
    digest = hashlib.sha256(render(SCRIPT).encode("utf-8")).digest()
    return IndexView(
        f"法治政府建设年度报告评估：{len(outcomes)} 份文件",
        summary,
        ranked,
        not_graded,
        failed,
        base64.b64encode(digest).decode("ascii"),
    )


def render_index(outcomes: list[BatchOutcome]) -> str:
    """index.html: one self-contained file; only the inlined sorting script may run (CSP hash)."""
    return render("index.html.j2", view=index_view(outcomes))
