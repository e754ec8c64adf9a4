"""Where every proposed quote stands in the report, which sentences it covers, and their roles.

The inputs of the rubric: for each finding of the extraction (model or rules) its grounding, the
numbered sentences it overlaps and their deterministic roles, and the cross-check of each figure.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from scorer.card import Quote
from scorer.crosscheck import Coverage, FigureCheck, check_figure, coverage
from scorer.figures import FigureScan, scan
from scorer.grounding import NOT_FOUND, Grounding, Locator
from scorer.keywords import vocabulary
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.roles import WORK_ROLES, Role, label_roles
from scorer.schema import ReportExtraction
from scorer.sentences import Sentence

_NOT_WORD = re.compile(r"[\W_]+")
_ROLE_PREFERENCE: tuple[Role, ...] = (
    "result", "done", "cause", "problem", "plan", "generic", "negated", "heading",
)  # fmt: skip


@dataclass(frozen=True)
class Located:
    """A quote's grounding plus the sentences it covers and their roles."""

    grounding: Grounding
    sentences: tuple[Sentence, ...] = ()
    roles: tuple[Role, ...] = ()

    @property
    def found(self) -> bool:
        return self.grounding.found and bool(self.sentences)

    @property
    def role(self) -> Role | None:
        """The role that decides what the quote can count for: done or result wins if present."""
        return next((r for r in _ROLE_PREFERENCE if r in self.roles), None)

    @property
    def primary(self) -> Sentence | None:
        """The sentence that earns: the first done/result sentence, else the first one."""
        for s, r in zip(self.sentences, self.roles, strict=True):
            if r in WORK_ROLES:
                return s
        return self.sentences[0] if self.sentences else None

    @property
    def key(self) -> str:
        """Identity of the earning sentence by its words, so a repeated sentence earns once."""
        primary = self.primary
        return _NOT_WORD.sub("", primary.text) if primary else ""

    @property
    def numbers(self) -> list[int]:
        return [s.index for s in self.sentences]


@dataclass(frozen=True)
class Evidence:
    """Everything the rubric needs about one extraction, computed once."""

    roles: tuple[Role, ...]
    measures: dict[str, list[tuple[Located, list[FigureCheck]]]]
    shortcomings: list[tuple[Located, Located | None]]
    plans: list[Located]
    leader_duties: list[Located]
    coverage: Coverage


class _Placer:
    """Grounds quotes within a chunk and attaches the covered sentences and their roles."""

    def __init__(self, doc: Document, roles: tuple[Role, ...]) -> None:
        self.doc, self.roles = doc, roles
        self.starts = [s.start for s in doc.sentences]

    @cached_property
    def locator(self) -> Locator:
        """Only for findings that quote instead of citing sentences (none of the backends' own)."""
        return Locator(self.doc.norm)

    def span(self, chunk: int) -> tuple[int, int]:
        if 0 <= chunk < len(self.doc.chunks):
            return self.doc.chunks[chunk].start, self.doc.chunks[chunk].end
        return 0, len(self.doc.text)

    def covered(self, start: int, end: int) -> list[int]:
        """Indices (0-based) of the sentences sharing a character with [start, end)."""
        i = max(0, bisect_right(self.starts, start) - 1)
        out = []
        sentences = self.doc.sentences
        while i < len(sentences) and sentences[i].start < end:
            if start < sentences[i].end:
                out.append(i)
            i += 1
        return out

    def cite(self, numbers: list[int]) -> Located:
        """A finding that cites sentences: the quote is those sentences, as printed (no search)."""
        picked = [self.doc.sentences[n - 1] for n in numbers if 0 < n <= len(self.doc.sentences)]
        if not picked:
            return Located(NOT_FOUND)
        printed = "……".join(self.doc.norm.original_text(s.start, s.end) for s in picked)
        g = Grounding("exact", "sentences", picked[0].start, picked[-1].end, 100.0, printed)
        return Located(g, tuple(picked), tuple(self.roles[s.index - 1] for s in picked))

    def place(self, quote: str, chunk: int, numbers: list[int] | None = None) -> Located:
        if numbers:
            return self.cite(numbers)
        g = self.locator.ground(quote, self.span(chunk)) if quote.strip() else NOT_FOUND
        if not g.found or g.start is None or g.end is None:
            return Located(g)
        idx = self.covered(g.start, g.end)
        return Located(g, tuple(self.doc.sentences[i] for i in idx), tuple(self.roles[i] for i in idx))


def sentence_roles(doc: Document, outline: Outline, baseline: FigureScan) -> tuple[Role, ...]:
    """The deterministic role of every sentence of the report (the same for both backends)."""
    return label_roles(doc.sentences, baseline, doc.metadata.year, vocabulary(outline))


def gather_evidence(
    doc: Document, extraction: ReportExtraction, outline: Outline, baseline: FigureScan | None = None
) -> Evidence:
    """Ground every quote, give it the roles of its sentences, cross-check every figure."""
    baseline = baseline or scan(doc.text)
    roles = sentence_roles(doc, outline, baseline)
    placer = _Placer(doc, roles)
    measures: dict[str, list[tuple[Located, list[FigureCheck]]]] = {}
    checks: dict[str, list[FigureCheck]] = {}
    for dim_id, items in extraction.dimensions.items():
        measures[dim_id] = []
        for m in items:
            located = placer.place(m.evidence, m.chunk, m.sentences)
            # A figure is checked within the cited sentences (a quote: within its chunk).
            g = located.grounding
            cited = m.sentences and g.start is not None and g.end is not None
            span = (g.start, g.end) if cited else placer.span(m.chunk)  # type: ignore[assignment]
            figure_checks = [check_figure(ref, located.grounding, span, baseline) for ref in m.figures]
            measures[dim_id].append((located, figure_checks))
            if located.found:
                checks.setdefault(dim_id, []).extend(figure_checks)
    shortcomings = [
        (
            placer.place(s.evidence, s.chunk, s.sentences),
            placer.place(s.causes, s.chunk, s.cause_sentences) if s.causes.strip() else None,
        )
        for s in extraction.shortcomings
    ]
    return Evidence(
        roles=roles,
        measures=measures,
        shortcomings=shortcomings,
        plans=[placer.place(p.evidence, p.chunk, p.sentences) for p in extraction.plans],
        leader_duties=[placer.place(d.evidence, d.chunk, d.sentences) for d in extraction.leader_duties],
        coverage=coverage(baseline, checks),
    )


def quote_of(proposed: str, located: Located, doc: Document) -> Quote:
    """The quote as the card shows it: where it was found and how it is printed in the original."""
    g = located.grounding
    ostart = oend = None
    if g.found and g.start is not None and g.end is not None:
        ostart, oend = doc.norm.to_original(g.start, g.end)
    return Quote(
        proposed=proposed,
        status=g.status,
        method=g.method,
        score=g.score,
        start=g.start,
        end=g.end,
        printed=g.original,
        original_start=ostart,
        original_end=oend,
    )
