"""What the model fills in for each chunk, generated from the rubric, and the merged report extraction.

Numbers are strings: the model copies them as written, and the figure baseline parses them.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    model_validator,
)

from scorer.outline import Outline


def _as_list(value: Any) -> Any:
    """Small models answer `null` or a single object where a list is asked for; accept both."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return value


def _as_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value if v)
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]


class FigureRef(BaseModel):
    surface: Text = Field(description="数字连同单位，逐字照抄原文，例如“839件”“96%以上”“1.97亿元”")
    what: Text = Field(default="", description="这个数字统计的是什么，例如“办理法律援助案件”")

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, data: Any) -> Any:
        return {"surface": str(data)} if isinstance(data, str | int | float) else data


class Measure(BaseModel):
    summary: Text = Field(default="", description="用不超过20字的中文短语概括这项措施")
    evidence: Text = Field(default="", description="从原文逐字复制的一句话，不得改写")
    figures: Annotated[list[FigureRef], BeforeValidator(_as_list)] = Field(
        default_factory=list, description="这句话中的数字，逐字照抄"
    )


class Shortcoming(BaseModel):
    text: Text = Field(default="", description="报告承认的问题或不足，简短概括")
    evidence: Text = Field(default="", description="从原文逐字复制的一句话")
    causes: Text = Field(default="", description="原文写明的原因；原文没有写原因则为空字符串")


class Plan(BaseModel):
    text: Text = Field(default="", description="下一年度的一项工作安排，简短概括")
    evidence: Text = Field(default="", description="从原文逐字复制的一句话")


class LeaderDuty(BaseModel):
    text: Text = Field(default="", description="党政主要负责人履行推进法治建设第一责任人职责的一项做法")
    evidence: Text = Field(default="", description="从原文逐字复制的一句话")


def _list_of(item: type[BaseModel]) -> Any:
    return Annotated[list[item], BeforeValidator(_as_list)]  # type: ignore[valid-type]


EXTRA_FIELDS: dict[str, tuple[Any, Any]] = {
    "shortcomings": (
        _list_of(Shortcoming),
        Field(default_factory=list, description="存在的问题和不足及其原因"),
    ),
    "plans": (_list_of(Plan), Field(default_factory=list, description="下一年度主要工作安排")),
    "leader_duties": (
        _list_of(LeaderDuty),
        Field(default_factory=list, description="党政主要负责人履行推进法治建设第一责任人职责情况"),
    ),
}


class _ChunkBase(BaseModel):
    """Base of the generated response models.

    Unknown top-level keys mean the model answered something else: re-ask rather than accept
    "nothing found". The JSON schema is generated once per class: instructor asks for it on every
    call (~10 ms each).
    """

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        key = (cls, args, tuple(sorted(kwargs.items())))
        schema = _SCHEMAS.get(key)
        if schema is None:
            schema = _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(schema)


_SCHEMAS: dict[Any, dict[str, Any]] = {}


@cache
def chunk_model(outline: Outline) -> type[BaseModel]:
    """The response model for one chunk: one list of measures per dimension, plus the report-level parts."""
    fields: dict[str, Any] = {
        d.id: (_list_of(Measure), Field(default_factory=list, description=d.name)) for d in outline.dimensions
    }
    fields.update(EXTRA_FIELDS)
    return create_model(
        "ChunkExtraction",
        __base__=_ChunkBase,
        __doc__=f"按《{outline.name}》整理的报告片段摘要",
        **fields,
    )


class Located(BaseModel):
    """Where an item came from: the chunk whose text the model was given."""

    chunk: int


class MeasureFinding(Measure, Located):
    pass


class ShortcomingFinding(Shortcoming, Located):
    pass


class PlanFinding(Plan, Located):
    pass


class LeaderDutyFinding(LeaderDuty, Located):
    pass


class Usage(BaseModel):
    """What the extraction cost: HTTP calls (retries included), cache hits, tokens and characters sent."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_chars: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})


class FailedChunk(BaseModel):
    chunk: int
    title: str
    reason: str


class ReportExtraction(BaseModel):
    """Everything the model (or the rules) said about a report, merged in report order."""

    model_config = ConfigDict(frozen=False)
    rubric_id: str
    backend: str
    model: str | None = None
    endpoint: str | None = None
    prompt_version: str | None = None
    dimensions: dict[str, list[MeasureFinding]] = Field(default_factory=dict)
    shortcomings: list[ShortcomingFinding] = Field(default_factory=list)
    plans: list[PlanFinding] = Field(default_factory=list)
    leader_duties: list[LeaderDutyFinding] = Field(default_factory=list)
    failed_chunks: list[FailedChunk] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    chunks: int = 0


_NOT_WORD = re.compile(r"[\W_]+")


def _dedupe_key(text: str) -> str:
    return _NOT_WORD.sub("", text)


def merge_chunks(
    outline: Outline, results: dict[int, BaseModel], *, backend: str, **info: Any
) -> ReportExtraction:
    """Merge per-chunk results in report order; a measure quoted twice is kept once (first chunk wins).

    The items were validated when the chunk's answer was parsed, so they are not validated again.
    """
    merged = ReportExtraction(rubric_id=outline.id, backend=backend, **info)
    merged.dimensions = {d.id: [] for d in outline.dimensions}
    seen: set[tuple[str, str]] = set()
    for index in sorted(results):
        data = results[index]
        for dim in outline.dimensions:
            for m in getattr(data, dim.id, []):
                key = (dim.id, _dedupe_key(m.evidence) or _dedupe_key(m.summary))
                if key in seen:
                    continue
                seen.add(key)
                merged.dimensions[dim.id].append(MeasureFinding.model_construct(chunk=index, **dict(m)))
        for name, cls in (
            ("shortcomings", ShortcomingFinding),
            ("plans", PlanFinding),
            ("leader_duties", LeaderDutyFinding),
        ):
            target = getattr(merged, name)
            for item in getattr(data, name, []):
                key = (name, _dedupe_key(item.evidence) or _dedupe_key(item.text))
                if key in seen:
                    continue
                seen.add(key)
                target.append(cls.model_construct(chunk=index, **dict(item)))
    return merged
