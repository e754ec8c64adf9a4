"""A short summary per dimension, each sentence resting on numbered sentences credited to it.

After the chunks, one call per report: the model sees, per dimension, the strongest credited
sentences (numbered, cut to their first clauses) and writes two or three Chinese sentences for
each, citing the numbers they rest on. A summary sentence that cites nothing, or cites a sentence
not credited to that dimension, is dropped and counted. The rules backend has no model summary:
the memo shows the dimension's strongest sentences instead, and says so.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from scorer.card import DimensionResult, ScoreCard, SummaryLine
from scorer.pipeline import Document
from scorer.prompts import summary_prompt, summary_system
from scorer.schema import INTEGERS, STRING, Usage, _as_list, _as_numbers, _as_text, list_schema

PER_DIMENSION = 3  # strongest credited sentences shown per dimension
CLAUSE_CHARS = 36  # each cut to its first clauses: enough to summarise, cheap to send


class _Line(BaseModel):
    d: Annotated[str, BeforeValidator(_as_text)] = ""
    t: Annotated[str, BeforeValidator(_as_text)] = ""
    s: Annotated[list[int], BeforeValidator(_as_numbers)] = Field(default_factory=list)


class Summaries(BaseModel):
    """The model's answer: summary lines, each naming its dimension and the sentences it cites."""

    model_config = ConfigDict(extra="ignore")
    u: Annotated[list[_Line], BeforeValidator(_as_list)] = Field(default_factory=list)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        fields = {"d": STRING, "t": STRING, "s": INTEGERS}
        return list_schema("Summaries", "Summary lines per dimension", "u", fields, ["d", "t", "s"])


def _strongest(d: DimensionResult) -> list[tuple[int, str]]:
    credited = sorted(
        (m for m in d.measures if m.credit > 0 and m.sentences),
        key=lambda m: (-m.credit, -sum(f.earns for f in m.figures), m.sentences[0]),
    )
    return [(m.sentences[0], m.quote.printed or "") for m in credited[:PER_DIMENSION]]


def groups_for(card: ScoreCard, doc: Document) -> dict[str, tuple[str, list[tuple[int, str]]]]:
    """Per dimension with credited sentences: its short name and the strongest sentences, cut."""
    out = {}
    for d in card.dimensions:
        picked = _strongest(d)
        if picked:
            texts = [(n, doc.sentences[n - 1].text[:CLAUSE_CHARS]) for n, _ in picked]
            out[d.id] = (d.name.split("，")[0], texts)
    return out


def messages_for(groups: dict[str, tuple[str, list[tuple[int, str]]]]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": summary_system()},
        {"role": "user", "content": summary_prompt(groups)},
    ]


def apply(card: ScoreCard, answer: Summaries, usage: Usage) -> ScoreCard:
    """Attach the valid lines to their dimensions (at most three each); count the dropped ones."""
    credited = {d.id: {n for m in d.measures if m.credit > 0 for n in m.sentences} for d in card.dimensions}
    kept: dict[str, list[SummaryLine]] = {}
    dropped = 0
    for line in answer.u:
        cited = sorted(set(line.s))
        ok = line.t.strip() and cited and line.d in credited and set(cited) <= credited[line.d]
        if not ok or len(kept.get(line.d, [])) >= 3:
            dropped += 1
            continue
        kept.setdefault(line.d, []).append(SummaryLine(text=line.t.strip(), sentences=cited))
    dims = [d.model_copy(update={"summary": kept.get(d.id, [])}) for d in card.dimensions]
    total = card.usage.copy()
    for k, v in usage.model_dump().items():
        total[k] = total.get(k, 0) + v
    return card.model_copy(update={"dimensions": dims, "summary_dropped": dropped, "usage": total})
