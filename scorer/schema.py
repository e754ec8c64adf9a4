"""What the model answers for each chunk, and the merged extraction both backends produce.

The model cites numbered sentences instead of copying quotes: a finding names the sentence
numbers it rests on, its dimension and sub-item, its role, a short summary in the model's own
words and the figures it read there. Quotes are sliced from the source by the code, so they are
grounded by construction. Keys are one letter: every character of an answer is paid for.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

ModelRole = Literal["done", "result", "plan", "problem", "cause", "generic"]
_ROLE_SYNONYMS = {
    "measure": "done",
    "did": "done",
    "achievement": "result",
    "outcome": "result",
    "future": "plan",
    "next": "plan",
    "issue": "problem",
    "shortcoming": "problem",
    "reason": "cause",
    "slogan": "generic",
}
NO_DIMENSION = "none"


def _as_list(value: Any) -> Any:
    """Small models answer `null` or a single item where a list is asked for; accept both."""
    if value is None:
        return []
    if isinstance(value, dict | str | int | float):
        return [value]
    return value


def _as_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(str(v) for v in value if v)
    return str(value) if isinstance(value, int | float) else value


def _as_numbers(value: Any) -> Any:
    """`[17, "18"]`, `"17,18"`, `"[17]"` or `17` → [17, 18] / [17]."""
    items = _as_list(value)
    out = []
    for item in items:
        if isinstance(item, str):
            out += [int(n) for n in re.findall(r"\d+", item)]
        else:
            out.append(item)
    return out


def _as_role(value: Any) -> Any:
    """`done`, `Done`, or the prompt's own words copied back (`done当年已做`, `done=当年已做`)."""
    text = str(value or "").strip().lower()
    word = re.match(r"[a-z]+", text)
    text = word.group(0) if word else text
    return _ROLE_SYNONYMS.get(text, text)


Text = Annotated[str, BeforeValidator(_as_text)]


class Finding(BaseModel):
    """One piece of work (or plan, problem, cause) and the numbered sentences it rests on."""

    model_config = ConfigDict(populate_by_name=True)
    s: Annotated[list[int], BeforeValidator(_as_numbers)] = Field(min_length=1)
    d: Text = NO_DIMENSION
    i: Text = ""
    r: Annotated[ModelRole, BeforeValidator(_as_role)] = "done"
    t: Text = ""
    n: Annotated[list[Text], BeforeValidator(_as_list)] = Field(default_factory=list)

    @field_validator("s")
    @classmethod
    def _cited_in_chunk(cls, numbers: list[int], info: ValidationInfo) -> list[int]:
        """A number that is not a sentence of this chunk is an error the model is asked to fix."""
        allowed = (info.context or {}).get("allowed")
        if allowed is not None:
            wrong = [n for n in numbers if n not in allowed]
            if wrong:
                lo, hi = min(allowed), max(allowed)
                raise ValueError(f"sentence numbers {wrong} are not in this part; use [{lo}]…[{hi}] only")
        return numbers


class Labels(BaseModel):
    """The model's answer for one chunk. Unknown top-level keys mean it answered something else."""

    model_config = ConfigDict(extra="forbid")
    f: Annotated[list[Finding], BeforeValidator(_as_list)] = Field(default_factory=list)

    @classmethod
    def lenient(cls, content: str, context: dict[str, Any]) -> Labels | None:
        """The last answer after the re-asks ran out: keep every finding that parses on its own.

        Cited numbers are not checked here; the merge drops findings that cite sentences outside
        their chunk and lists them, so the reader sees what the model got wrong.
        """
        text = re.sub(r"^```(?:json)?|```$", "", content.strip()).strip()
        try:
            data = json.loads(text)
        except ValueError:
            return None
        raw = data.get("f") if isinstance(data, dict) else data
        kept = []
        for item in _as_list(raw):
            try:
                kept.append(Finding.model_validate(item))
            except ValueError:
                continue
        return cls(f=kept)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """A minimal schema (no titles, no descriptions: the prompt explains the fields), built once."""
        return copy.deepcopy(_compact_schema())


INTEGERS = {"type": "array", "items": {"type": "integer"}}
STRING = {"type": "string"}


def list_schema(
    title: str, description: str, key: str, fields: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    """`{key: [object, …]}` with one-letter fields: a schema small enough to send on every call.
    (Its digest is part of every cache key: change it and the recorded answers no longer match.)"""
    item = {"type": "object", "properties": fields, "required": required}
    return {
        "title": title,
        "description": description,
        "type": "object",
        "properties": {key: {"type": "array", "items": item}},
        "required": [key],
    }


@cache
def _compact_schema() -> dict[str, Any]:
    roles = {"enum": list(ModelRole.__args__)}  # type: ignore[attr-defined]
    strings = {"type": "array", "items": STRING}
    fields = {"s": INTEGERS, "d": STRING, "i": STRING, "r": roles, "t": STRING, "n": strings}
    return list_schema("Labels", "Labels of numbered sentences", "f", fields, ["s", "d", "r"])


class FigureRef(BaseModel):
    surface: str
    what: str = ""


class Located(BaseModel):
    """Where an item came from: the chunk it was read in and the sentences it cites."""

    chunk: int
    sentences: list[int] = Field(default_factory=list)
    model_role: str | None = None
    item: str | None = None


class MeasureFinding(Located):
    summary: str = ""
    evidence: str = ""
    figures: list[FigureRef] = Field(default_factory=list)


class ShortcomingFinding(Located):
    text: str = ""
    evidence: str = ""
    causes: str = ""
    cause_sentences: list[int] = Field(default_factory=list)


class PlanFinding(Located):
    text: str = ""
    evidence: str = ""


class LeaderDutyFinding(Located):
    text: str = ""
    evidence: str = ""


class Usage(BaseModel):
    """What the extraction cost: HTTP calls (retries included), cache hits, tokens and characters sent.

    `cached_prompt_tokens` is what the provider served from its prompt cache, where it says so
    (OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`).
    """

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_chars: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})


class FailedChunk(BaseModel):
    chunk: int
    title: str
    reason: str


class DroppedFinding(BaseModel):
    """A finding the model kept citing sentences outside its chunk for: dropped, and listed."""

    chunk: int
    cited: list[int]
    dimension: str
    summary: str
    reason: str


class ReportExtraction(BaseModel):
    """Everything the model (or the rules) said about a report, merged in report order."""

    model_config = ConfigDict(frozen=False)
    rubric_id: str
    backend: str
    model: str | None = None
    endpoint: str | None = None
    prompt_version: str | None = None
    cache_dir: str | None = None
    dimensions: dict[str, list[MeasureFinding]] = Field(default_factory=dict)
    shortcomings: list[ShortcomingFinding] = Field(default_factory=list)
    plans: list[PlanFinding] = Field(default_factory=list)
    leader_duties: list[LeaderDutyFinding] = Field(default_factory=list)
    dropped: list[DroppedFinding] = Field(default_factory=list)
    failed_chunks: list[FailedChunk] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    chunks: int = 0
