"""The score card: everything the scorer decided about one report, with its reasons.

The JSON output is `ScoreCard`; the memo, the terminal table and the ranking read it and never
recount, so a number is the same wherever it is shown.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION = "2"


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


Outcome = Literal[
    "credited", "not_found", "off_topic", "not_done", "roles_disagree", "other_dimension", "duplicate"
]


class MeasureResult(BaseModel):
    """A proposed measure and what the scorer made of it.

    `role` is the deterministic role of the sentences its quote is grounded in (done, result,
    plan, problem, cause, heading, generic, negated); only done and result earn points, in one
    dimension per sentence. `outcome` says why it did or did not count; `counted_in` names the
    dimension that got the sentence when it was not this one.
    """

    summary: str
    chunk: int
    quote: Quote
    items: list[str]
    figures: list[FigureResult]
    credit: float
    role: str | None = None
    model_role: str | None = None
    sentences: list[int] = []
    outcome: Outcome = "credited"
    counted_in: str | None = None


class Point(BaseModel):
    """Points on one criterion, why, and the quotes (as printed) that earned them."""

    criterion: str
    points: float
    max: float
    reason: str
    evidence: list[str]


class SummaryLine(BaseModel):
    """One sentence of a dimension's summary, in the model's words, and the sentences it rests on."""

    text: str
    sentences: list[int]


class DimensionResult(BaseModel):
    """A dimension's points; `credited` and `verified_figures` are the counts every output shows."""

    id: str
    name: str
    score: float
    max: float
    credited: int = 0
    verified_figures: int = 0
    reasons: list[Point]
    measures: list[MeasureResult]
    summary: list[SummaryLine] = []


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
    role: str | None = None
    counts: bool = False
    causes_counts: bool = False


class KindResult(BaseModel):
    """What kind of document this is (the document gate), why, and whether grading was forced."""

    kind: str
    label: str
    evidence: list[str] = []
    forced: bool = False


class ScoreCard(BaseModel):
    """The whole assessment of one report; the JSON output is this model.

    `graded` is false for documents that are not annual reports (their `grade` is null);
    `provisional` is true when some chunks failed or some PDF pages had no text layer
    (`unread_pages`, 1-based), so the grade rests on part of the report.
    """

    schema_version: str = SCHEMA_VERSION
    source: str
    metadata: dict[str, Any]
    rubric: dict[str, str]
    backend: str
    model: str | None
    kind: KindResult = KindResult(kind="annual_report", label="法治政府建设年度报告")
    graded: bool = True
    provisional: bool = False
    unread_pages: list[int] = []
    total: float
    max_total: float
    grade: str | None
    grade_by_points: str | None = None
    cap: str | None = None
    summary_dropped: int = 0
    labels: list[dict[str, Any]] = []
    agreement: float | None = None
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

    @model_serializer(mode="wrap")
    def _without_empty_unread_pages(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """`unread_pages` only when there are some: the JSON of a fully read report is unchanged."""
        data = handler(self)
        if not self.unread_pages:
            data.pop("unread_pages", None)
        return data
