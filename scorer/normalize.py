"""Clean text: drop site chrome and pinyin glosses, simplify script, and keep a map back to the original.

Every character of the normalized text remembers the character of the original text it came
from, so a quote found in the simplified text can be shown exactly as printed.
"""

from __future__ import annotations

import re
import tomllib
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_SYLLABLE = f"[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A gloss: a Han character followed by one bracketed lowercase syllable carrying a tone mark.
# In Big5 the tone-marked letter is lost to `?` (`權(qu?n)`): still a gloss, not a sentence end.
_LOST_TONE = r"[a-zü]*[?？\ufffd][a-zü]*"
_GLOSS = re.compile(rf"(?<=[{_HAN}])[(（](?:{_SYLLABLE}|(?=[^)）]*[a-zü]){_LOST_TONE})[)）]")
# What is left of a gloss whose character or bracket was lost in conversion: `?xiàng)`.
_RESIDUE = re.compile(rf"[(（]?{_SYLLABLE}[)）]|(?<=[?？\ufffd]){_SYLLABLE}")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_SOFT_BREAK_PUNCT = re.compile(r"[，。、；：,;:！？!?“”\"《》<>()（）\[\]【】·]")
_SENTENCE_END = "。！？；!?;"
_MIN_HEADING, _MAX_HEADING = 4, 30


class GlossResidue(BaseModel):
    """A garbled gloss (`?xiàng)`) that was removed; the `?` marks a lost character."""

    model_config = ConfigDict(frozen=True)
    text: str
    context: str
    start: int
    end: int


class RemovedLine(BaseModel):
    """A line dropped as boilerplate, kept so metadata can still read it."""

    model_config = ConfigDict(frozen=True)
    category: str
    text: str
    start: int
    end: int


class CleaningStats(BaseModel):
    """What normalization did, for the cleaning summary."""

    model_config = ConfigDict(frozen=True)
    glosses_removed: int = 0
    residues: tuple[GlossResidue, ...] = ()
    boilerplate: dict[str, int] = {}
    chars_converted: int = 0
    lines_split: int = 0


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """Simplified, cleaned text with `positions[i]` = index in `original` of character `i`."""

    text: str
    original: str
    positions: array
    stats: CleaningStats
    removed: tuple[RemovedLine, ...] = ()
    script: str = "simplified"

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalized text to the span of the original it came from."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        if start == end:
            at = self.positions[start] if start < len(self.text) else len(self.original)
            return at, at
        return self.positions[start], self.positions[end - 1] + 1

    def original_text(self, start: int, end: int) -> str:
        """The original characters behind a normalized span (traditional script, glosses and all)."""
        ostart, oend = self.to_original(start, end)
        return self.original[ostart:oend]


@dataclass(frozen=True)
class _Pattern:
    category: str
    regex: re.Pattern[str]


@cache
def _boilerplate() -> tuple[int, tuple[_Pattern, ...]]:
    data = tomllib.loads(resources.files("scorer").joinpath("data/boilerplate.toml").read_text("utf-8"))
    patterns = tuple(_Pattern(p["category"], re.compile(p["regex"])) for p in data["patterns"])
    return int(data["max_line_chars"]), patterns


@cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert to simplified script (t2s: characters only, never vocabulary)."""
    return _converter().convert(text)  # type: ignore[attr-defined]


def boilerplate_category(line: str) -> str | None:
    """The boilerplate category of a simplified, stripped line, or None for report text."""
    max_chars, patterns = _boilerplate()
    if len(line) > max_chars:
        return None
    for pattern in patterns:
        if pattern.regex.search(line):
            return pattern.category
    return None


def _apply(
    text: str, pos: list[int], pattern: re.Pattern[str], repl: str = ""
) -> tuple[str, list[int], list[re.Match[str]]]:
    """Replace matches by `repl` (mapped to the match start) keeping the position list in step."""
    matches = list(pattern.finditer(text))
    if not matches:
        return text, pos, matches
    out: list[str] = []
    out_pos: list[int] = []
    last = 0
    for m in matches:
        out.append(text[last : m.start()])
        out_pos.extend(pos[last : m.start()])
        if repl:
            out.append(repl)
            out_pos.extend([pos[m.start()]] * len(repl))
        last = m.end()
    out.append(text[last:])
    out_pos.extend(pos[last:])
    return "".join(out), out_pos, matches


def _convert(text: str, pos: list[int]) -> tuple[str, list[int], int]:
    converted = to_simplified(text)
    if len(converted) == len(text):
        changed = sum(1 for a, b in zip(text, converted, strict=True) if a != b)
        return converted, pos, changed
    chars: list[str] = []
    new_pos: list[int] = []
    changed = 0
    for ch, p in zip(text, pos, strict=True):
        out = to_simplified(ch)
        changed += out != ch
        chars.append(out)
        new_pos.extend([p] * len(out))
    return "".join(chars), new_pos, changed


def _soft_breaks(line: str) -> list[int]:
    """Indices of spaces that stand for lost line breaks in text flattened by a scraper."""
    breaks: list[int] = []
    seg_start = 0
    for i, ch in enumerate(line):
        if ch != " " or i == 0 or i + 1 >= len(line):
            continue
        prev, nxt = line[i - 1], line[i + 1]
        segment = line[seg_start:i].lstrip("△▲ ").strip()
        next_is_text = bool(re.match(rf"[{_HAN}△▲“《]", nxt))
        heading_like = (
            _MIN_HEADING <= len(segment) <= _MAX_HEADING
            and not _SOFT_BREAK_PUNCT.search(segment)
            and " " not in segment
        )
        if nxt in "△▲" or (next_is_text and (prev in _SENTENCE_END or heading_like)):
            breaks.append(i)
            seg_start = i + 1
    return breaks


def normalize(original: str) -> NormalizedText:
    """Clean a decoded report: glosses, boilerplate, script and whitespace, with an offset map."""
    kept_text: list[str] = []
    kept_pos: list[int] = []
    removed: list[RemovedLine] = []
    residues: list[GlossResidue] = []
    boiler: Counter[str] = Counter()
    glosses = converted = splits = 0
    traditional = han = 0
    offset = 0
    for raw_line in original.split("\n"):
        line_start = offset
        offset += len(raw_line) + 1
        if not raw_line.strip():
            continue
        text, pos = raw_line, list(range(line_start, line_start + len(raw_line)))
        text, pos, found = _apply(text, pos, _GLOSS)
        glosses += len(found)
        text, pos, found = _apply(text, pos, _RESIDUE)
        for m in found:
            o = pos[m.start()] if m.start() < len(pos) else line_start
            residues.append(
                GlossResidue(
                    text=m.group(), context=original[max(0, o - 8) : o + 8], start=o, end=o + len(m.group())
                )
            )
        text, pos, _ = _apply(text, pos, _ZERO_WIDTH)
        text, pos, _ = _apply(text, pos, _SPACES, " ")
        text, pos, changed = _convert(text, pos)
        converted += changed
        han += len(re.findall(rf"[{_HAN}]", text))
        traditional += changed
        cuts = [-1, *_soft_breaks(text), len(text)]
        splits += len(cuts) - 2
        for a, b in pairwise(cuts):
            separator = pos[a] if a >= 0 else line_start - 1
            piece, piece_pos = text[a + 1 : b], pos[a + 1 : b]
            lead = len(piece) - len(piece.lstrip())
            piece, piece_pos = piece.strip(), piece_pos[lead : lead + len(piece.strip())]
            if not piece:
                continue
            category = boilerplate_category(piece)
            if category:
                boiler[category] += 1
                removed.append(
                    RemovedLine(category=category, text=piece, start=piece_pos[0], end=piece_pos[-1] + 1)
                )
                continue
            if kept_text:
                kept_text.append("\n")
                kept_pos.append(max(separator, 0))
            kept_text.append(piece)
            kept_pos.extend(piece_pos)
    stats = CleaningStats(
        glosses_removed=glosses,
        residues=tuple(residues),
        boilerplate=dict(sorted(boiler.items())),
        chars_converted=converted,
        lines_split=splits,
    )
    script = "simplified"
    if han and traditional / han > 0.02:
        script = "traditional"
    return NormalizedText(
        text="".join(kept_text),
        original=original,
        positions=array("q", kept_pos),
        stats=stats,
        removed=tuple(removed),
        script=script,
    )
