"""The offline extractor: fills the same ReportExtraction as the LLM, from sentences and their roles.

Every sentence has a deterministic role (scorer/roles.py). Done measures and results go to the
one dimension whose rubric keywords they carry (scorer/keywords.py); problems become
shortcomings with the nearest cause sentence; plans become plans; a sentence about the principal
leaders' duty becomes a leader duty. Evidence is the sentence itself and its figures come from
the regex baseline, so everything this backend reports is grounded by construction.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pydantic import BaseModel

from scorer.evidence import sentence_roles
from scorer.figures import FigureScan, scan
from scorer.keywords import assign, hits
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.roles import WORK_ROLES, Role
from scorer.schema import ReportExtraction, chunk_model, merge_chunks
from scorer.sentences import ORDINAL, Sentence

LEADER = re.compile(r"第一责任人|主要负责人|一把手|述法|四个亲自")
_CLAUSE = re.compile(r"[,，。；;:：]")
SUMMARY_CHARS = 20


def summarize(sentence: str) -> str:
    """A short label: the first substantial clause without its list ordinal."""
    body = ORDINAL.sub("", sentence).strip()
    clauses = [c.strip() for c in _CLAUSE.split(body) if c.strip()]
    substantial = [c for c in clauses if len(c) >= 6 and not re.fullmatch(r"[\d年月日度以来今同时此外]+", c)]
    return (substantial or clauses or [body])[0][:SUMMARY_CHARS]


def _chunk_of(starts: list[int], position: int) -> int:
    return max(0, bisect_right(starts, position) - 1)


def _nearest_cause(i: int, sentences: tuple[Sentence, ...], roles: tuple[Role, ...]) -> str:
    """The cause sentence closest to problem `i` in the same section (after it first)."""
    section = sentences[i].section
    order = [*range(i + 1, len(sentences)), *range(i - 1, -1, -1)]
    for j in order:
        if roles[j] == "cause" and sentences[j].section == section:
            return sentences[j].text
    return ""


def _fields_for(
    i: int, sentences: tuple[Sentence, ...], roles: tuple[Role, ...], outline: Outline, baseline: FigureScan
) -> dict[str, list[dict]]:
    """What one sentence contributes to its chunk's extraction, by its role."""
    s, role = sentences[i], roles[i]
    item = {"text": summarize(s.text), "evidence": s.text}
    if role == "problem":
        return {"shortcomings": [{**item, "causes": _nearest_cause(i, sentences, roles)}]}
    if role == "plan":
        return {"plans": [item]}
    out: dict[str, list[dict]] = {}
    if role in (*WORK_ROLES, "generic") and LEADER.search(s.text):
        out["leader_duties"] = [item]
    if role in WORK_ROLES and (dim := assign(hits(s.text, outline), outline)):
        figures = [{"surface": f.surface, "what": ""} for f in baseline.within(s.start, s.end)]
        out[dim] = [{"summary": item["text"], "evidence": s.text, "figures": figures}]
    return out


def extract_rules(doc: Document, outline: Outline, baseline: FigureScan | None = None) -> ReportExtraction:
    """Fill a ReportExtraction from sentence roles, keywords and the figure baseline; no model involved."""
    baseline = baseline or scan(doc.text)
    model = chunk_model(outline)
    sentences = doc.sentences
    roles = sentence_roles(doc, outline, baseline)
    chunk_starts = [c.start for c in doc.chunks]
    per_chunk: dict[int, dict[str, list[dict]]] = {}
    for i, s in enumerate(sentences):
        if roles[i] in ("heading", "cause", "negated"):
            continue
        fields = per_chunk.setdefault(
            _chunk_of(chunk_starts, s.start), {name: [] for name in model.model_fields}
        )
        for name, items in _fields_for(i, sentences, roles, outline, baseline).items():
            fields[name].extend(items)
    results: dict[int, BaseModel] = {index: model(**fields) for index, fields in per_chunk.items()}
    merged = merge_chunks(outline, results, backend="rules", model=None)
    merged.chunks = len(doc.chunks)
    return merged
