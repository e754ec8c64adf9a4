"""Split normalized text into chunks along the report's own structure.

Top-level headings (一、 … 二十、, 第一部分, Markdown #) make chunks; reports without them
fall back to short standalone lines, then to paragraph packing. Oversized chunks are cut at
sub-headings, paragraphs, then sentences; tiny ones merge with a neighbour. Chunks tile the
text: concatenating them gives the text back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

DEFAULT_MAX_CHARS = 6000
DEFAULT_MIN_CHARS = 100

_CN_NUM = "一二三四五六七八九十"
TOP_HEADING = re.compile(rf"^(?:[{_CN_NUM}]{{1,3}}、|第[{_CN_NUM}]{{1,3}}部分|#{{1,2}}\s)")
SUB_HEADING = re.compile(rf"^(?:[(（][{_CN_NUM}]{{1,3}}[)）]|\d{{1,2}}[.．、](?!\d)|#{{3,6}}\s)")
_SHORT_LINE_MAX = 30
_LINE_END_PUNCT = re.compile(r"[。！？；：，,;:!?]$")


@dataclass(frozen=True)
class Chunk:
    """A span of the normalized text with the heading path that names it."""

    index: int
    title: str
    start: int
    end: int

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]


@dataclass(frozen=True)
class _Section:
    title: str
    start: int
    end: int


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, the newline included in the line it ends."""
    spans: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        nl = text.find("\n", start)
        end = len(text) if nl < 0 else nl + 1
        spans.append((start, end))
        start = end
    return spans


def _heading_title(line: str) -> str:
    """The heading part of a line: up to the first sentence end, as headings often run into text."""
    line = line.strip().lstrip("#").strip()
    cut = re.search(r"[。！？；]", line)
    title = line[: cut.start()] if cut else line
    return title[:40]


def _is_short_heading(line: str) -> bool:
    s = line.strip()
    return 4 <= len(s) <= _SHORT_LINE_MAX and not _LINE_END_PUNCT.search(s) and not re.search(r"[。；]", s)


def _split_at(
    text: str, start: int, end: int, is_heading: re.Pattern[str] | None, short: bool
) -> list[_Section]:
    """Sections of text[start:end] at lines that are headings; text before the first is a preamble."""
    sections: list[_Section] = []
    current_title, current_start = "", start
    for ls, le in _lines(text[start:end]):
        line = text[start + ls : start + le]
        heading = bool(is_heading and is_heading.match(line)) or (short and _is_short_heading(line))
        if heading and start + ls > current_start:
            sections.append(_Section(current_title, current_start, start + ls))
            current_start = start + ls
        if heading:
            current_title = _heading_title(line)
    if current_start < end:
        sections.append(_Section(current_title, current_start, end))
    return sections


def _pieces(text: str, start: int, end: int, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
    """Cut text[start:end] after each match of `boundary` (a paragraph or sentence end)."""
    cuts = [start]
    for m in boundary.finditer(text, start, end):
        if start < m.end() < end:
            cuts.append(m.end())
    cuts.append(end)
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _pack(spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily join adjacent spans while the result stays within max_chars."""
    packed: list[tuple[int, int]] = []
    for a, b in spans:
        if packed and b - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], b)
        else:
            packed.append((a, b))
    return packed


def _split_oversized(text: str, section: _Section, max_chars: int) -> list[_Section]:
    if section.end - section.start <= max_chars:
        return [section]
    subs = _split_at(text, section.start, section.end, SUB_HEADING, short=False)
    if len(subs) > 1:
        out: list[_Section] = []
        for sub in subs:
            title = " > ".join(t for t in (section.title, sub.title) if t)
            out.extend(_split_oversized(text, _Section(title, sub.start, sub.end), max_chars))
        return _pack_sections(out, max_chars)
    for boundary in (re.compile(r"\n"), re.compile(r"[。！？；]")):
        pieces = _pieces(text, section.start, section.end, boundary)
        if len(pieces) > 1:
            packed = _pack(pieces, max_chars)
            out = []
            for n, (a, b) in enumerate(packed, 1):
                part = _Section(
                    f"{section.title}（{n}/{len(packed)}）" if section.title else f"（{n}/{len(packed)}）",
                    a,
                    b,
                )
                out.extend(_split_oversized(text, part, max_chars))
            return out
    hard = [(a, min(a + max_chars, section.end)) for a in range(section.start, section.end, max_chars)]
    return [_Section(f"{section.title}（{n}/{len(hard)}）", a, b) for n, (a, b) in enumerate(hard, 1)]


def _pack_sections(sections: list[_Section], max_chars: int) -> list[_Section]:
    """Greedily join adjacent sub-sections while the result stays within max_chars."""
    packed: list[_Section] = []
    for sec in sections:
        if packed and sec.end - packed[-1].start <= max_chars:
            last = packed.pop()
            sec = _Section(_join_titles(last.title, sec.title), last.start, sec.end)
        packed.append(sec)
    return packed


def _join_titles(first: str, second: str) -> str:
    """Name merged sections by the first title plus the leaf headings that follow it."""
    leaf = second.split(" > ")[-1]
    if not leaf or leaf in first.split(" > ") or leaf in first.split(" + "):
        return first or second
    return f"{first} + {leaf}" if first else leaf


def _merge_small(sections: list[_Section], max_chars: int, min_chars: int) -> list[_Section]:
    """Merge sections under min_chars into the following one (the last into the previous one)."""
    merged: list[_Section] = []
    pending: _Section | None = None
    for sec in sections:
        if pending is not None:
            if sec.end - pending.start <= max_chars:
                sec = _Section(_join_titles(pending.title, sec.title), pending.start, sec.end)
            else:
                merged.append(pending)
            pending = None
        if sec.end - sec.start < min_chars:
            pending = sec
        else:
            merged.append(sec)
    if pending is not None:
        if merged and pending.end - merged[-1].start <= max_chars:
            last = merged.pop()
            merged.append(_Section(_join_titles(last.title, pending.title), last.start, pending.end))
        else:
            merged.append(pending)
    return merged


def chunk_text(
    text: str, *, max_chars: int = DEFAULT_MAX_CHARS, min_chars: int = DEFAULT_MIN_CHARS, pack: bool = False
) -> list[Chunk]:
    """Chunk normalized text by top-level headings, with fallbacks; the chunks tile the text.

    With `pack`, adjacent sections are joined while they fit in `max_chars`: every chunk costs a
    call with the whole system prompt and schema, so a report of many short sections should not
    pay that overhead once per section. Boundaries still fall on headings.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if not text:
        return []
    min_chars = min(min_chars, max_chars // 2)
    has_top = any(TOP_HEADING.match(text[a:b]) for a, b in _lines(text))
    sections = _split_at(text, 0, len(text), TOP_HEADING if has_top else None, short=not has_top)
    if len(sections) <= 1 and not has_top:
        sections = [_Section("", a, b) for a, b in _pieces(text, 0, len(text), re.compile(r"\n"))]
        sections = [_Section("", a, b) for a, b in _pack([(s.start, s.end) for s in sections], max_chars)]
    sections = [s if s.title or i else _Section("（前言）", s.start, s.end) for i, s in enumerate(sections)]
    sized = [part for sec in sections for part in _split_oversized(text, sec, max_chars)]
    merged = _merge_small(sized, max_chars, min_chars)
    if pack:
        merged = _pack_sections(merged, max_chars)
    return [Chunk(index=i, title=s.title, start=s.start, end=s.end) for i, s in enumerate(merged)]
