"""From the model's per-chunk labels to the report's extraction, with quotes sliced from the source.

A finding cites sentence numbers; its evidence is those sentences as the report prints them, so
nothing the model writes can become a quote. A finding citing a sentence outside its chunk is
dropped and listed. Plans, problems and causes go to the report-level lists whatever dimension
they were filed under; a finding about the principal leaders' duty is also a leader duty.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.schema import (
    NO_DIMENSION,
    DroppedFinding,
    FigureRef,
    Finding,
    LeaderDutyFinding,
    MeasureFinding,
    PlanFinding,
    ReportExtraction,
    ShortcomingFinding,
)
from scorer.sentences import Sentence
from scorer.titles import summary_title

LEADER = re.compile(r"第一责任人|主要负责人|一把手|述法|四个亲自")


def sentences_in(doc: Document, start: int, end: int) -> tuple[Sentence, ...]:
    """The sentences that begin inside [start, end)."""
    return tuple(s for s in doc.sentences if start <= s.start < end)


def _text(doc: Document, numbers: list[int]) -> str:
    return "".join(doc.sentences[n - 1].text for n in numbers)


def _dropped(chunk: int, f: Finding, reason: str) -> DroppedFinding:
    return DroppedFinding(chunk=chunk, cited=list(f.s), dimension=f.d, summary=f.t, reason=reason)


def _place(
    merged: ReportExtraction, chunk: int, f: Finding, numbers: list[int], doc: Document, seen: set
) -> None:
    """File one valid finding by its role: measure, plan, shortcoming or cause; maybe leader duty."""
    evidence = _text(doc, numbers)
    common = {"chunk": chunk, "sentences": numbers, "model_role": f.r, "item": f.i or None}
    summary = summary_title(f.t)  # the model's own words, cut only where a clause ends
    if f.r == "plan":
        merged.plans.append(PlanFinding(**common, text=summary, evidence=evidence))
    elif f.r == "problem":
        merged.shortcomings.append(ShortcomingFinding(**common, text=summary, evidence=evidence))
    elif f.r == "cause":
        target = next((s for s in reversed(merged.shortcomings) if not s.causes), None)
        if target is not None:
            target.causes, target.cause_sentences = evidence, numbers
        else:
            merged.shortcomings.append(
                ShortcomingFinding(
                    **common, text=summary, evidence=evidence, causes=evidence, cause_sentences=numbers
                )
            )
    elif f.d in merged.dimensions and (f.d, tuple(numbers)) not in seen:
        seen.add((f.d, tuple(numbers)))
        figures = [FigureRef(surface=n) for n in f.n if n.strip()]
        merged.dimensions[f.d].append(
            MeasureFinding(**common, summary=summary, evidence=evidence, figures=figures)
        )
    if f.r in ("done", "result", "generic") and LEADER.search(evidence):
        merged.leader_duties.append(LeaderDutyFinding(**common, text=summary, evidence=evidence))


def merge_labels(
    doc: Document,
    outline: Outline,
    results: Mapping[int, tuple[list[Finding], frozenset[int]]],
    **info: object,
) -> ReportExtraction:
    """Merge per-chunk findings in report order. `results` maps a chunk to its findings and the
    sentence numbers it was shown."""
    merged = ReportExtraction(rubric_id=outline.id, **info)  # type: ignore[arg-type]
    merged.dimensions = {d.id: [] for d in outline.dimensions}
    seen: set[tuple[str, tuple[int, ...]]] = set()
    for chunk in sorted(results):
        findings, allowed = results[chunk]
        for f in findings:
            numbers = sorted(set(f.s))
            if not numbers or any(n not in allowed for n in numbers):
                outside = [n for n in numbers if n not in allowed]
                merged.dropped.append(_dropped(chunk, f, f"引用了本段以外的句子 {outside}"))
                continue
            if f.d not in merged.dimensions and f.d != NO_DIMENSION and f.r in ("done", "result", "generic"):
                merged.dropped.append(_dropped(chunk, f, f"未知的维度 {f.d!r}"))
                continue
            _place(merged, chunk, f, numbers, doc, seen)
    return merged


def sentence_labels(extraction: ReportExtraction) -> dict[int, tuple[str, str]]:
    """Sentence number → (dimension or none, role), as one backend labelled it (first label wins)."""
    out: dict[int, tuple[str, str]] = {}
    for dim_id, measures in extraction.dimensions.items():
        for m in measures:
            for n in m.sentences:
                out.setdefault(n, (dim_id, m.model_role or "done"))
    for items, role in ((extraction.plans, "plan"), (extraction.shortcomings, "problem")):
        for item in items:
            for n in item.sentences:
                out.setdefault(n, (NO_DIMENSION, item.model_role or role))
    return out


def compare(model: ReportExtraction | None, rules: ReportExtraction) -> list[dict[str, object]]:
    """Both backends' labels sentence by sentence: one row where they agree (source both), else a
    row for each. Without a model, the rules' labels alone."""
    ruled = sentence_labels(rules)
    modeled = sentence_labels(model) if model is not None else {}
    rows: list[dict[str, object]] = []
    for n in sorted(set(ruled) | set(modeled)):
        pairs = [("rules", ruled.get(n)), ("model", modeled.get(n))]
        labels = [(source, label) for source, label in pairs if label is not None]
        if len(labels) == 2 and labels[0][1] == labels[1][1]:
            labels = [("both", labels[0][1])]
        rows += [{"n": n, "dimension": d, "role": r, "source": source} for source, (d, r) in labels]
    return rows
