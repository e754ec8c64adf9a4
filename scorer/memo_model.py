"""The memo as plain data (`scorer/memo.py` builds it, `templates/memo.md.j2` lays it out).

Frozen dataclasses of strings and numbers: every id is already its Chinese label, every quote is
the report's text as printed (unescaped: the template escapes it), so the template needs no logic
beyond layout and the view can be tested without rendering.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Labelled:
    """A status id (for the template's mark: ✅ ❌ …) and its Chinese label."""

    key: str
    label: str


@dataclass(frozen=True)
class Header:
    who: str
    year: int | None
    file: str
    kind: str
    script: str
    format_line: str  # 编码：utf-8, or 格式：PDF 文字层
    published: str | None
    doc_number: str | None
    rubric: str
    backend: str
    llm: bool
    model: str
    endpoint: str


@dataclass(frozen=True)
class Verdict:
    """Not graded (not an annual report), or graded although the gate said otherwise."""

    graded: bool
    forced: bool
    kind: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Part:
    """A chunk of the report, numbered from 1, with its heading."""

    number: int
    title: str


@dataclass(frozen=True)
class Total:
    graded: bool
    total: float
    max_total: float
    grade: str | None
    provisional: bool
    failed_parts: tuple[Part, ...]
    chunks_failed: bool  # provisional because chunks failed (else only because pages were unread)
    unread_pages: str | None  # 第 3、5 页没有文字层（可能是扫描页）
    cap: str | None
    timeliness_unknown: str | None
    timeliness_max: float


@dataclass(frozen=True)
class Criterion:
    name: str
    points: float
    max: float
    reason: str


@dataclass(frozen=True)
class Figure:
    surface: str
    what: str
    status: Labelled


@dataclass(frozen=True)
class Measure:
    title: str
    role: str
    match: str
    chunk: int | None  # 1-based, only when the report has more than one chunk
    quote: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class NotCounted:
    role: str
    count: int
    example: str


@dataclass(frozen=True)
class SummaryLine:
    text: str
    sentences: str


@dataclass(frozen=True)
class Dimension:
    name: str
    score: float
    max: float
    credited: int
    proposed: int
    verified_figures: int
    reason: str
    summary: tuple[SummaryLine, ...]
    rules_note: bool
    criteria: tuple[Criterion, ...]
    measures: tuple[Measure, ...]
    not_counted: tuple[NotCounted, ...]


@dataclass(frozen=True)
class Required:
    name: str
    status: Labelled
    points: float
    max: float
    reason: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    title: str
    quote: str
    causes: str | None  # None: no cause found (only asked for shortcomings)


@dataclass(frozen=True)
class ItemSection:
    """A report-level list; `key` (shortcomings, plans, leader_duties) names its heading."""

    key: str
    items: tuple[Item, ...]
    more: int
    with_causes: bool


@dataclass(frozen=True)
class QuoteRow:
    dimension: str
    role: str | None
    quote: str


@dataclass(frozen=True)
class QuoteGroup:
    """Quotes that earned nothing; `key` is the card's `flagged` list, which names the heading."""

    key: str
    rows: tuple[QuoteRow, ...]


@dataclass(frozen=True)
class FlaggedFigure:
    surface: str
    dimension: str
    status: Labelled
    note: str


@dataclass(frozen=True)
class Dropped:
    summary: str
    reason: str


@dataclass(frozen=True)
class Credibility:
    baseline: int
    used: int
    share: float
    figures: tuple[FlaggedFigure, ...]
    all_grounded: bool
    groups: tuple[QuoteGroup, ...]
    dropped: tuple[Dropped, ...]


@dataclass(frozen=True)
class Provenance:
    rubric_id: str
    rubric_hash: str
    prompt_version: str | None
    model: str | None
    cache_dir: str | None
    calls: int
    cache_hits: int
    prompt_tokens: int
    cached_prompt_tokens: int
    completion_tokens: int
    chunks: int
    failed_chunks: int
    agreement: float | None
    summary_dropped: int


@dataclass(frozen=True)
class Memo:
    """Everything the memo shows, in the order the template shows it."""

    verdict: Verdict
    header: Header
    total: Total
    dimensions: tuple[Dimension, ...]
    required: tuple[Required, ...]
    timeliness: Required | None
    sections: tuple[ItemSection, ...]
    credibility: Credibility
    notes: tuple[str, ...]
    provenance: Provenance
