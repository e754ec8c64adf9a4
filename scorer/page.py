"""The review page (`NAME.html`): the report as printed, every sentence the scorer used marked.

A reviewer checks a verdict by reading the report itself with the evidence marked, not by
searching the source for the memo's quotes. This module is pure: it turns a score card and its
document into view models (frozen dataclasses of plain text and numbers) that
`templates/report.html.j2` lays out; it never writes markup, so everything from a report reaches
the page through Jinja's autoescaping.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from scorer import labels_zh
from scorer.card import DimensionResult, ItemResult, MeasureResult, ScoreCard
from scorer.chunking import TOP_HEADING
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.sentences import Sentence, overlapping
from scorer.templates import render

# Marks that go with the Chinese labels of scorer/data/labels_zh.toml (a sign as well as a word).
FIGURE_SIGN = {"verified": "✅", "mismatch": "⚠️", "unsupported": "❌"}
STATUS_SIGN = {"pass": "✔", "fail": "✘", "unknown": "？"}


def figure_check(status: str) -> str:
    return f"{FIGURE_SIGN.get(status, '')} {labels_zh.label('figure_status', status)}".strip()


def status_mark(status: str) -> tuple[str, str]:
    return STATUS_SIGN.get(status, "？"), labels_zh.label("status", status)


# Report-level roles, strongest first: the mark a sentence gets when no dimension credited it.
ROLE_MARKS = {
    "cause": ("原因", "不足的原因"),
    "problem": ("问题", "存在的不足"),
    "plan": ("计划", "下一年度安排"),
    "duty": ("责任", "党政主要负责人履行第一责任人职责"),
}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫"


@dataclass(frozen=True)
class Mark:
    """How one sentence is marked: `kind` (credited, uncredited or a report-level role), the
    dimension's number (1-based, 0 for none) for its colour, a short label and the hover text."""

    kind: str
    dim: int
    tag: str
    tip: str


@dataclass(frozen=True)
class Piece:
    """A run of the original text; a sentence has its number (anchor `#sN`) and maybe a mark."""

    text: str
    number: int | None = None
    mark: Mark | None = None
    heading: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph (`p`), a heading (`h1`–`h3`) or a line of site chrome removed before scoring."""

    tag: str
    pieces: tuple[Piece, ...]
    anchor: str | None = None


@dataclass(frozen=True)
class _Note:
    """One thing the card says about a sentence (collected, then folded into a Mark)."""

    kind: str
    dim: int
    lines: tuple[str, ...]
    figure_flagged: bool = False


def _dim_label(index: int, d: DimensionResult) -> str:
    return f"{CIRCLED[index - 1] if index <= len(CIRCLED) else index}{d.name}"


def _items(m: MeasureResult, outline: Outline | None, dim_id: str) -> str:
    names: dict[str, str] = {}
    if outline is not None:
        dim = next((d for d in outline.dimensions if d.id == dim_id), None)
        names = {i.id: i.name for i in dim.items} if dim else {}
    return "、".join(names.get(i, i) for i in m.items)


def _measure_note(
    index: int, d: DimensionResult, m: MeasureResult, outline: Outline | None, names: dict[str, str]
) -> _Note:
    role = labels_zh.role(m.role) if m.role else "—"
    lines = [f"维度：{_dim_label(index, d)}"]
    if items := _items(m, outline, d.id):
        lines.append(f"子项：{items}")
    model = f"；模型：{labels_zh.role(m.model_role)}" if m.model_role else ""
    lines.append(f"作用：{role}{model}")
    if m.credit > 0:
        lines.insert(0, f"计分：{m.credit:g}" + ("（近似匹配）" if m.quote.status == "fuzzy" else ""))
    else:
        why = labels_zh.label("outcomes", m.outcome)
        if m.outcome == "other_dimension" and m.counted_in:
            why = f"已计入「{names.get(m.counted_in, m.counted_in)}」"
        lines.insert(0, f"不计分：{why}")
    lines += [
        f"数字：{f.surface} {figure_check(f.status)}" + (f"（{f.note}）" if f.note else "") for f in m.figures
    ]
    flagged = any(f.status != "verified" for f in m.figures)
    return _Note("credited" if m.credit > 0 else "uncredited", index, tuple(lines), flagged)


def _item_sentences(item: ItemResult, doc: Document, causes: bool = False) -> list[int]:
    quote = item.causes_quote if causes else item.quote
    if quote is None or quote.start is None or quote.end is None:
        return []
    return [s.index for s in overlapping(doc.sentences, quote.start, quote.end)]


def _notes(card: ScoreCard, doc: Document, outline: Outline | None) -> dict[int, list[_Note]]:
    """Everything the card says about each sentence number."""
    names = {d.id: d.name for d in card.dimensions}
    notes: dict[int, list[_Note]] = {}
    for index, d in enumerate(card.dimensions, 1):
        for m in d.measures:
            note = _measure_note(index, d, m, outline, names)
            for n in m.sentences:
                notes.setdefault(n, []).append(note)
    role_items = (
        ("problem", card.shortcomings, False),
        ("cause", card.shortcomings, True),
        ("plan", card.plans, False),
        ("duty", card.leader_duties, False),
    )
    for kind, items, causes in role_items:
        for item in items:
            counts = item.causes_counts if causes else item.counts
            text = f"{ROLE_MARKS[kind][1]}：{'计入必备内容' if counts else '未计入必备内容'}"
            for n in _item_sentences(item, doc, causes):
                notes.setdefault(n, []).append(_Note(kind, 0, (text,)))
    return notes


def _labelled(card: ScoreCard) -> dict[int, list[str]]:
    """Who labelled each sentence (rules, model or both) and as what."""
    names = {d.id: d.name for d in card.dimensions}
    out: dict[int, list[str]] = {}
    for row in card.labels:
        dim = names.get(str(row.get("dimension")), "无维度")
        role = labels_zh.role(str(row.get("role")))
        out.setdefault(int(row["n"]), []).append(
            f"{labels_zh.label('sources', str(row.get('source')))}（{dim}·{role}）"
        )
    return out


def marks(card: ScoreCard, doc: Document, outline: Outline | None = None) -> dict[int, Mark]:
    """The mark of every sentence the card mentions: credited in its dimension's colour first,
    then cause, problem, plan and leader duty by role, then cited-but-earned-nothing with why; a
    sentence with a figure that failed its check carries ⚠ beside its label."""
    labels = _labelled(card)
    order = ["credited", *ROLE_MARKS, "uncredited"]
    out: dict[int, Mark] = {}
    for n, notes in _notes(card, doc, outline).items():
        lead = min(notes, key=lambda note: order.index(note.kind))
        if lead.kind == "credited":
            tag = CIRCLED[lead.dim - 1] if lead.dim <= len(CIRCLED) else str(lead.dim)
        else:
            tag = ROLE_MARKS[lead.kind][0] if lead.kind in ROLE_MARKS else "未计分"
        lines = [f"第 {n} 句"]
        for note in [lead, *(x for x in notes if x is not lead)]:
            lines += [line for line in note.lines if line not in lines]
        if n in labels:
            lines.append("标注：" + "；".join(labels[n]))
        if any(note.figure_flagged for note in notes):  # a figure the model read is not in the sentence
            tag += "⚠"
        out[n] = Mark(
            lead.kind, lead.dim if lead.kind in ("credited", "uncredited") else 0, tag, "\n".join(lines)
        )
    return out


def _lines(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


def _heading_tag(line: str, first: bool, sentences: list[Sentence]) -> str:
    if not sentences or not all(s.heading for s in sentences):
        if first and len(line) <= 60 and "。" not in line:
            return "h1"
        return "p"
    if first and "。" not in line:
        return "h1"
    return "h2" if TOP_HEADING.match(line.strip()) else "h3"


def _pieces(doc: Document, ostart: int, oend: int, sentences: list[Sentence], found: dict[int, Mark]):
    """The original text of one line, cut at its sentences (gaps kept as printed)."""
    original, norm = doc.norm.original, doc.norm
    pieces: list[Piece] = []
    cursor = ostart
    for s in sentences:
        a, b = norm.to_original(s.start, s.end)
        a = max(a, cursor)
        if a > cursor:
            pieces.append(Piece(original[cursor:a]))
        pieces.append(Piece(original[a:b], s.index, found.get(s.index), s.heading))
        cursor = max(cursor, b)
    if oend > cursor:
        pieces.append(Piece(original[cursor:oend]))
    return tuple(pieces)


def blocks(doc: Document, found: dict[int, Mark]) -> tuple[Block, ...]:
    """The report as printed, line by line in original order: headings as headings, each sentence a
    piece with its number, and the site chrome that cleaning removed as dimmed lines."""
    text, norm = doc.text, doc.norm
    starts = [s.start for s in doc.sentences]
    placed: list[tuple[int, Block]] = []
    last_end = 0
    for k, (ls, le) in enumerate(_lines(text)):
        if ls == le:
            continue
        lo, hi = bisect_right(starts, ls - 1), bisect_right(starts, le - 1)
        sentences = list(doc.sentences[lo:hi])
        ostart, oend = norm.to_original(ls, le)
        ostart = max(ostart, last_end)
        last_end = max(last_end, oend)
        tag = _heading_tag(text[ls:le], k == 0, sentences)
        placed.append((ostart, Block(tag, _pieces(doc, ostart, oend, sentences, found))))
    for k, r in enumerate(norm.removed):
        placed.append((r.start, Block("chrome", (Piece(norm.original[r.start : r.end]),), f"r{k + 1}")))
    placed.sort(key=lambda pair: pair[0])
    return tuple(b for _, b in placed)


class Anchors:
    """Where a quoted passage stands on the page: the sentence (`#s17`) or removed line (`#r2`)
    whose original text contains it, so the side panel links to the evidence."""

    def __init__(self, doc: Document) -> None:
        norm = doc.norm
        self.original = norm.original
        spans = [(*norm.to_original(s.start, s.end), f"s{s.index}") for s in doc.sentences]
        spans += [(r.start, r.end, f"r{k + 1}") for k, r in enumerate(norm.removed)]
        self.spans = sorted(spans)
        self.starts = [a for a, _, _ in self.spans]

    def find(self, passage: str) -> str | None:
        for part in (p.strip() for p in passage.split("……")):
            at = self.original.find(part) if part else -1
            if at < 0:
                continue
            i = bisect_right(self.starts, at) - 1
            if i >= 0 and self.spans[i][0] <= at < self.spans[i][1]:
                return self.spans[i][2]
        return None

    def all(self, passages: Iterable[str]) -> list[str]:
        out: list[str] = []
        for p in passages:
            if (anchor := self.find(p)) and anchor not in out:
                out.append(anchor)
        return out


def render_page(card: ScoreCard, doc: Document, outline: Outline | None = None) -> str:
    """The review page as one self-contained HTML file (styles, script and chart inlined)."""
    from scorer.panel import panel

    found = marks(card, doc, outline)
    return render("report.html.j2", page=panel(card, doc, found), blocks=blocks(doc, found))
