"""Find the model's quotes in the report: verbatim, then ignoring whitespace and punctuation, then fuzzy.

A quote that is not found earns nothing. A found quote is mapped back through the offset map
so the memo shows it exactly as printed (traditional script and all).

Fuzzy matching uses rapidfuzz's `partial_ratio_alignment` on the text with whitespace and
punctuation removed; a quote of at least `MIN_FUZZY_CHARS` characters is "fuzzy"-grounded when
the best alignment scores ≥ `FUZZY_THRESHOLD` (0–100), i.e. at most about one character in
ten differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from scorer.normalize import NormalizedText, to_simplified

FUZZY_THRESHOLD = 90.0
MIN_FUZZY_CHARS = 8
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_WORD_RUN = re.compile(r"[^\s\W_]+", re.UNICODE)
_WRAPPERS = "“”\"'‘’「」『』…."

Status = Literal["exact", "fuzzy", "not_found"]


@dataclass(frozen=True)
class Grounding:
    """Where a quote was found; `original` is the passage as printed in the source file."""

    status: Status
    method: str
    start: int | None = None
    end: int | None = None
    score: float = 0.0
    original: str | None = None

    @property
    def found(self) -> bool:
        return self.status != "not_found"


NOT_FOUND = Grounding(status="not_found", method="none")


class Locator:
    """Search one normalized report; the squeezed text (no whitespace or punctuation) is built once."""

    def __init__(self, norm: NormalizedText) -> None:
        self.norm = norm
        self.text = norm.text
        runs = [m for m in _WORD_RUN.finditer(self.text)]
        self.squeezed = "".join(m.group() for m in runs)
        self.positions = [i for m in runs for i in range(m.start(), m.end())]

    def _result(self, status: Status, method: str, start: int, end: int, score: float) -> Grounding:
        return Grounding(status, method, start, end, score, self.norm.original_text(start, end))

    def _squeezed_span(self, start: int, end: int) -> tuple[int, int]:
        from bisect import bisect_left

        return bisect_left(self.positions, start), bisect_left(self.positions, end)

    def ground(self, quote: str, within: tuple[int, int] | None = None) -> Grounding:
        """Locate a quote, preferring the given span (the chunk the model was shown)."""
        q = to_simplified(quote.strip().strip(_WRAPPERS).strip())
        if not q:
            return NOT_FOUND
        spans = [within, (0, len(self.text))] if within else [(0, len(self.text))]
        for s, e in spans:
            at = self.text.find(q, s, e)
            if at >= 0:
                return self._result("exact", "verbatim", at, at + len(q), 100.0)
        sq = _NOISE.sub("", q)
        if not sq:
            return NOT_FOUND
        for s, e in spans:
            ss, se = self._squeezed_span(s, e)
            at = self.squeezed.find(sq, ss, se)
            if at >= 0:
                return self._result(
                    "exact", "normalized", self.positions[at], self.positions[at + len(sq) - 1] + 1, 100.0
                )
        if len(sq) < MIN_FUZZY_CHARS:
            return NOT_FOUND
        from rapidfuzz import fuzz

        for s, e in spans:
            ss, se = self._squeezed_span(s, e)
            hay = self.squeezed[ss:se]
            if len(hay) < len(sq) * 0.8:
                continue
            aligned = fuzz.partial_ratio_alignment(sq, hay, score_cutoff=FUZZY_THRESHOLD)
            if aligned is not None and aligned.dest_end > aligned.dest_start:
                start = self.positions[ss + aligned.dest_start]
                end = self.positions[ss + aligned.dest_end - 1] + 1
                return self._result("fuzzy", "fuzzy", start, end, round(aligned.score, 1))
        return NOT_FOUND
