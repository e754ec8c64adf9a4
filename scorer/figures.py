"""The regex figure baseline: every quantity in a report, with value, unit, kind and place.

The scorer trusts a number the model reports only when this baseline finds the same number
in the source, so it errs on the side of explaining itself: everything that looks like a
number but is not a measure (dates, document numbers, hotlines, ordinals, names, idioms) is
reported as rejected, with the reason. Rules live in `scorer/data/figures.toml`.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Literal

Kind = Literal["count", "percent", "percentage_points", "money", "duration", "range", "rate"]

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，％", "0123456789.,%")
_CN_DIGITS = "零〇一二两三四五六七八九十百千"
_SCALE = {
    "万": Decimal(10_000),
    "萬": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "億": Decimal(100_000_000),
}
_ARABIC = r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = rf"[{_CN_DIGITS}][{_CN_DIGITS}万萬亿億]*"
_ARABIC_REST = r"\d{0,2}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d*(?:\.\d+)?"
_BARE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NUMERAL = re.compile(rf"[\d{_CN_DIGITS}]")


@dataclass(frozen=True, slots=True)
class Figure:
    """A quantity found in the normalized text; `canonical` has 万/亿 applied."""

    surface: str
    start: int
    end: int
    value: str
    unit: str
    canonical: Decimal
    approx: str | None = None
    kind: Kind = "count"
    canonical_high: Decimal | None = None

    def key(self) -> tuple[Decimal, str]:
        """What two mentions of the same figure share: the scaled value and the unit."""
        return self.canonical, canonical_unit(self.unit)


@dataclass(frozen=True, slots=True)
class Rejected:
    """Something that looks like a number but is not a measure, and why."""

    surface: str
    reason: str
    start: int
    end: int


@dataclass(frozen=True)
class FigureScan:
    figures: tuple[Figure, ...]
    rejected: tuple[Rejected, ...]

    def within(self, start: int, end: int) -> tuple[Figure, ...]:
        """Figures lying inside [start, end), found by bisection (figures are sorted by start)."""
        starts = self._starts()
        lo = bisect_left(starts, start)
        hi = bisect_left(starts, end, lo)
        return tuple(f for f in self.figures[lo:hi] if f.end <= end)

    def _starts(self) -> list[int]:
        cached = self.__dict__.get("_starts_cache")
        if cached is None:
            cached = [f.start for f in self.figures]
            object.__setattr__(self, "_starts_cache", cached)
        return cached


@dataclass(frozen=True)
class _Rules:
    unit_kind: dict[str, str]
    unit_regex: str
    cn_unit: re.Pattern[str]
    year_before: tuple[str, ...]
    year_after: tuple[str, ...]
    approx_before: tuple[str, ...]
    approx_after_unit: tuple[str, ...]
    rate_before: re.Pattern[str]
    rejects: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]
    figure: re.Pattern[str]


def trie_regex(words: list[str]) -> str:
    """A regex for a list of literals, factored by common prefix so each position costs one test."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        optional = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not optional else "(?:" + "|".join(branches) + ")"
        return body + "?" if optional else body

    return render(trie)


def _reject_rule(rule: dict[str, object]) -> tuple[str, re.Pattern[str], re.Pattern[str] | None]:
    source = trie_regex(list(rule["words"])) if "words" in rule else str(rule["regex"])  # type: ignore[arg-type]
    extend = re.compile(str(rule["extend_before"])) if "extend_before" in rule else None
    return str(rule["reason"]), re.compile(source), extend


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def rules() -> _Rules:
    """Load and compile the figure rules once."""
    data = tomllib.loads(resources.files("scorer").joinpath("data/figures.toml").read_text("utf-8"))
    units, markers = data["units"], data["markers"]
    unit_kind: dict[str, str] = {}
    for kind in ("count", "duration", "percentage_points", "percent", "money"):
        for unit in units[kind]:
            unit_kind[unit] = kind
    unit_regex = _alternation(list(unit_kind))
    cn_unit_regex = _alternation(units["chinese_numeral_units"])
    approx_before = tuple(sorted(markers["approx_before"], key=len, reverse=True))
    approx_after_unit = tuple(markers["approx_after_unit"])
    # The number comes first and starts with a character class, so re can skip ahead to digits;
    # approximation words before it (超过, 近 …) are looked up in code.
    figure = re.compile(
        rf"(?P<num>[0-9{_CN_DIGITS}](?:(?<=[0-9])(?<![0-9.][0-9])(?:{_ARABIC_REST})|(?<![0-9])[{_CN_DIGITS}万萬亿億]*))"
        rf"(?:\s*(?P<dash>[-—–~～至到])\s*(?P<high>{_ARABIC}|{_CHINESE}))?"
        r"(?P<scale>[万萬亿億])?(?P<approx>[余多])?(?P<scale2>[万萬亿億])?"
        rf"(?P<space>\s?)(?P<unit>{unit_regex})"
        rf"(?P<after>{_alternation(approx_after_unit)})?"
    )
    return _Rules(
        unit_kind=unit_kind,
        unit_regex=unit_regex,
        cn_unit=re.compile(cn_unit_regex),
        year_before=tuple(units["year_duration_before"]),
        year_after=tuple(units["year_duration_after"]),
        approx_before=approx_before,
        approx_after_unit=approx_after_unit,
        rate_before=re.compile(markers["rate_before"]),
        rejects=tuple(_reject_rule(rule) for rule in data["reject"]),
        figure=figure,
    )


@cache
def canonical_unit(unit: str) -> str:
    """Units compared across sources: 万元/亿元 are 元 (the scale is in the value), ％ is %."""
    unit = unit.translate(_FULL_WIDTH)
    if unit in {"万元", "亿元", "萬元", "億元"}:
        return "元"
    from scorer.normalize import to_simplified

    return to_simplified(unit)


def chinese_to_decimal(numeral: str) -> Decimal | None:
    """Convert an isolated Chinese numeral span (两, 十, 百, 一百二十) with cn2an."""
    import cn2an

    span = numeral
    if span[0] in "十百千":
        span = ("一" + span) if span[0] != "十" else span
    try:
        return Decimal(str(cn2an.cn2an(span, "smart")))
    except (ValueError, KeyError, InvalidOperation, TypeError):
        return None


def _to_decimal(number: str) -> Decimal | None:
    number = number.translate(_FULL_WIDTH).replace(",", "")
    if number[0].isdigit():
        try:
            return Decimal(number)
        except InvalidOperation:
            return None
    return chinese_to_decimal(number)


class _Mask:
    """Sorted, non-overlapping spans already claimed by a rejection or a figure."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] > start:
            return True
        return i + 1 < len(self.starts) and self.starts[i + 1] < end

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _tidy(value: Decimal) -> Decimal:
    """Integral values without exponent or trailing zeros (3E+5 → 300000, 62000.0 → 62000)."""
    return Decimal(int(value)) if value == value.to_integral_value() else value.normalize()


def _has_digit(s: str) -> bool:
    return _NUMERAL.search(s) is not None


def scan(text: str) -> FigureScan:
    """Find every figure and every rejected number-like expression in normalized text."""
    r = rules()
    mt = text.translate(_FULL_WIDTH)
    mask = _Mask()
    rejected: list[Rejected] = []
    for reason, pattern, extend in r.rejects:
        for m in pattern.finditer(mt):
            start, end = m.span()
            if extend and (ext := extend.search(mt, max(0, start - 12), start)):
                start = ext.start()
            surface = text[start:end].strip()
            if not surface or not _has_digit(surface) or mask.overlaps(start, end):
                continue
            mask.add(start, end)
            rejected.append(Rejected(surface=surface, reason=reason, start=start, end=end))
    figures: list[Figure] = []
    pos = 0
    while m := r.figure.search(mt, pos):
        pos = m.start() + 1
        start, end = m.span()
        if mask.overlaps(start, m.end("num")):
            continue
        before = next(
            (w for w in r.approx_before if start >= len(w) and mt.startswith(w, start - len(w))), None
        )
        if before and not mask.overlaps(start - len(before), start):
            start -= len(before)
        else:
            before = None
        outcome = _figure(text, mt, m, start, before)
        if isinstance(outcome, Rejected):
            if _has_digit(outcome.surface) and not mask.overlaps(outcome.start, outcome.end):
                mask.add(outcome.start, outcome.end)
                rejected.append(outcome)
            continue
        if outcome is None:
            continue
        mask.add(outcome.start, outcome.end)
        figures.append(outcome)
        pos = outcome.end
    for m in _BARE_NUMBER.finditer(mt):
        if not mask.overlaps(*m.span()):
            rejected.append(Rejected(surface=m.group(), reason="no_unit", start=m.start(), end=m.end()))
    figures.sort(key=lambda f: f.start)
    rejected.sort(key=lambda x: x.start)
    return FigureScan(figures=tuple(figures), rejected=tuple(rejected))


def find_figures(text: str) -> list[Figure]:
    """Only the figures of `scan`."""
    return list(scan(text).figures)


def _figure(text: str, mt: str, m: re.Match[str], start: int, before: str | None) -> Figure | Rejected | None:
    """Turn a candidate match into a Figure, a Rejected, or None (not number-like after all)."""
    r = rules()
    num, unit = m.group("num"), m.group("unit")
    chinese = not num[0].isdigit()
    after = m.group("after")
    end = m.end()
    preceding = mt[max(0, m.start() - 8) : m.start()]
    rate = bool(r.rate_before.search(preceding))
    if chinese:
        cn_unit = r.cn_unit.match(mt, m.start("unit"))
        if not cn_unit or m.group("space"):
            return None
        unit = cn_unit.group()
        end = m.start("unit") + len(unit)
        after = next((a for a in r.approx_after_unit if mt.startswith(a, end)), None)
        end += len(after or "")
        if num in {"一", "二"} and not rate:
            reason = "idiom" if num == "一" else "name"
            return Rejected(surface=text[m.start("num") : end], reason=reason, start=m.start("num"), end=end)
        if m.group("high") or (m.group("scale") and m.group("scale") in num):
            return None
        if m.start() > 0 and mt[m.start() - 1] in _CN_DIGITS + "第":
            return None
    kind = r.unit_kind.get(unit, "count")
    if unit == "年":
        duration = any(preceding.endswith(w) for w in r.year_before) or after in r.year_after
        if not duration or (not chinese and len(num) == 4):
            return Rejected(surface=text[m.start("num") : end], reason="date", start=m.start("num"), end=end)
    value = _to_decimal(num)
    if value is None:
        return None
    scale_char = m.group("scale") or m.group("scale2")
    canonical = value * _SCALE[scale_char] if scale_char else value
    high = None
    if m.group("high"):
        high_value = _to_decimal(m.group("high"))
        if high_value is None:
            return None
        high = high_value * _SCALE[scale_char] if scale_char else high_value
        kind = "range" if kind == "count" else kind
    if rate and kind == "count":
        kind = "rate"
    approx = before or m.group("approx") or after
    if unit in {"万元", "萬元", "亿元", "億元"}:
        canonical *= _SCALE[unit[0]]
        scale_char = unit[0]
    written = num + (f"{m.group('dash')}{m.group('high')}" if m.group("high") else "")
    return Figure(
        surface=text[start:end],
        start=start,
        end=end,
        value=written + (scale_char or ""),
        unit=canonical_unit(unit) if unit not in {"%", "％"} else "%",
        approx=approx,
        kind=kind,  # type: ignore[arg-type]
        canonical=_tidy(canonical),
        canonical_high=_tidy(high) if high is not None else None,
    )
