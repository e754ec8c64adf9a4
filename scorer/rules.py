"""The offline extractor: fills the same ReportExtraction as the LLM, from sentences and their roles.

Every sentence has a deterministic role (scorer/roles.py). Done measures and results go to the
one dimension whose rubric keywords they carry (scorer/keywords.py); problems become
shortcomings with the nearest cause sentence; plans become plans; a sentence about the principal
leaders' duty becomes a leader duty. Evidence is the sentence itself and its figures come from
the regex baseline, so everything this backend reports is grounded by construction.
"""

from __future__ import annotations

from bisect import bisect_right

from scorer.evidence import sentence_roles
from scorer.figures import FigureScan, scan
from scorer.keywords import assign, hits
from scorer.labels import LEADER, merge_labels
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.roles import WORK_ROLES, Role
from scorer.schema import NO_DIMENSION, Finding, ReportExtraction
from scorer.sentences import Sentence
from scorer.titles import short_title


def summarize(sentence: str) -> str:
    """A short label: the first substantial clause without its list ordinal, never cut mid-phrase."""
    return short_title(sentence)


def _chunk_of(starts: list[int], position: int) -> int:
    return max(0, bisect_right(starts, position) - 1)


def _finding(s: Sentence, role: Role, outline: Outline, baseline: FigureScan) -> Finding | None:
    """The label the rules give one sentence, in the model's own format (one intermediate)."""
    if role in ("problem", "cause", "plan"):
        return Finding(s=[s.index], d=NO_DIMENSION, r=role, t=summarize(s.text))
    if role in WORK_ROLES:
        dim = assign(hits(s.text, outline), outline) or NO_DIMENSION
        figures = [f.surface for f in baseline.within(s.start, s.end)]
        if dim != NO_DIMENSION or LEADER.search(s.text):
            return Finding(s=[s.index], d=dim, r=role, t=summarize(s.text), n=figures)
    if role == "generic" and LEADER.search(s.text):
        return Finding(s=[s.index], d=NO_DIMENSION, r="generic", t=summarize(s.text))
    return None


def extract_rules(doc: Document, outline: Outline, baseline: FigureScan | None = None) -> ReportExtraction:
    """Label every sentence from its role, keywords and the figure baseline; no model involved."""
    baseline = baseline or scan(doc.text)
    roles = sentence_roles(doc, outline, baseline)
    chunk_starts = [c.start for c in doc.chunks]
    per_chunk: dict[int, list[Finding]] = {}
    for s, role in zip(doc.sentences, roles, strict=True):
        finding = _finding(s, role, outline, baseline)
        if finding is not None:
            per_chunk.setdefault(_chunk_of(chunk_starts, s.start), []).append(finding)
    everything = frozenset(s.index for s in doc.sentences)
    results = {chunk: (findings, everything) for chunk, findings in per_chunk.items()}
    merged = merge_labels(doc, outline, results, backend="rules", model=None)
    merged.chunks = len(doc.chunks)
    return merged
