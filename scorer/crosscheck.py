"""Check every number the model reported against the regex baseline over the source.

A reported figure is parsed with the baseline's own parser and is
- verified: the baseline found the same canonical value and unit inside the located evidence,
  or elsewhere in the same chunk (`where` says which);
- mismatch: the number is there, but with another unit or scale (10.4个百分点 reported as 10.4%);
- unsupported: not in the source (a hallucination), or not a figure at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from scorer.figures import Figure, FigureScan, scan
from scorer.grounding import Grounding
from scorer.schema import FigureRef

FigureStatus = Literal["verified", "mismatch", "unsupported"]


@dataclass(frozen=True)
class FigureCheck:
    """The verdict on one figure the model reported, with the baseline figure that decided it."""

    surface: str
    what: str
    status: FigureStatus
    where: str | None = None
    canonical: Decimal | None = None
    unit: str | None = None
    baseline: Figure | None = None
    note: str = ""


@dataclass(frozen=True)
class Coverage:
    """Share of the baseline's figures that the model used (verified), overall and per dimension."""

    baseline: int
    used: int
    per_dimension: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.used / self.baseline if self.baseline else 0.0


def _number(value: str) -> Decimal | None:
    digits = re.sub(r"[^\d.]", "", value.replace(",", ""))
    try:
        return Decimal(digits) if digits else None
    except InvalidOperation:
        return None


def check_figure(
    ref: FigureRef, evidence: Grounding, chunk_span: tuple[int, int], baseline: FigureScan
) -> FigureCheck:
    """Classify one reported figure; the baseline decides, never the model."""
    evidence_span = (evidence.start, evidence.end) if evidence.found and evidence.start is not None else None
    spans = [("evidence", evidence_span), ("chunk", chunk_span)]
    nearby = {where: baseline.within(*span) if span else () for where, span in spans}
    surface = ref.surface.strip()
    for where, _ in spans:
        for fig in nearby[where]:
            if surface and (fig.surface == surface or surface.endswith(fig.surface)):
                return FigureCheck(ref.surface, ref.what, "verified", where, fig.canonical, fig.unit, fig)
    parsed = scan(surface).figures
    if not parsed:
        return FigureCheck(ref.surface, ref.what, "unsupported", note="不是可解析的数字指标")
    mine = parsed[0]
    key = mine.key()
    for where, _ in spans:
        for fig in nearby[where]:
            if fig.key() == key:
                return FigureCheck(ref.surface, ref.what, "verified", where, mine.canonical, mine.unit, fig)
    number = _number(mine.value)
    for where, _ in spans:
        for fig in nearby[where]:
            if fig.canonical == mine.canonical or (number is not None and _number(fig.value) == number):
                note = f"原文为“{fig.surface}”"
                return FigureCheck(
                    ref.surface, ref.what, "mismatch", None, mine.canonical, mine.unit, fig, note
                )
    elsewhere = next((f for f in baseline.figures if f.key() == key), None)
    note = f"原文其他段落有“{elsewhere.surface}”，但不在引用的这一段" if elsewhere else "原文中没有这个数字"
    return FigureCheck(ref.surface, ref.what, "unsupported", None, mine.canonical, mine.unit, None, note)


def coverage(baseline: FigureScan, checks: dict[str, list[FigureCheck]]) -> Coverage:
    """How many of the baseline's figures the model's verified figures account for."""
    used: set[int] = set()
    per_dimension: dict[str, int] = {}
    for dim, items in checks.items():
        mine = {c.baseline.start for c in items if c.status == "verified" and c.baseline is not None}
        per_dimension[dim] = len(mine)
        used |= mine
    return Coverage(baseline=len(baseline.figures), used=len(used), per_dimension=per_dimension)
