"""Pure text transforms (str → str) that change what a report *says* while keeping how it looks.

A valid score follows the work a report describes, not its words: removing a section removes
evidence, rewriting done work as plans or negations removes all of it, repeating or reordering
sentences adds none, and headings or keyword lists alone are not a report. The validity tests
(tests/validity/test_meaning.py) and the benchmark (benchmarks/validity.py) apply these transforms
to the normalized text of a report, so quote offsets of the scorer line up with `sections()`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, Protocol

from scorer.chunking import TOP_HEADING
from scorer.sentences import line_sections

Kind = Literal["work", "problems", "plans"]

_PROBLEMS_CUE = re.compile(r"问题|不足|困难|差距|短板")
_PLANS_CUE = re.compile(r"下一步|打算|计划|安排|思路|规划|今后|展望")
_SUB_HEADING = re.compile(r"^(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．、](?!\d))")
_ORDINAL = re.compile(
    r"^\s*(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、是]|\d{1,2}[.．、](?!\d)|[①-⑳])\s*"
)
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+|[^。！？!?]+$")
_SENTENCE_END = re.compile(r"[。！？!?]")
_SHORT_LINE = 30
_RUN_IN_HEADING = 40

PLAN_PREFIXES = ("下一步将", "明年将", "拟", "计划")
NEGATION_PREFIXES = ("尚未", "未", "没有")


@dataclass(frozen=True)
class Section:
    """A top-level section: from its heading line to the next top-level heading (or the end)."""

    start: int
    end: int
    heading: str
    kind: Kind


def _kind_of(heading: str) -> Kind:
    """Problems before plans: a heading like 存在的问题和下一步打算 is first of all about problems."""
    if _PROBLEMS_CUE.search(heading):
        return "problems"
    if _PLANS_CUE.search(heading):
        return "plans"
    return "work"


def sections(text: str) -> list[Section]:
    """Top-level sections (lines matching TOP_HEADING), typed by cue words in their heading.

    The text before the first heading (title, opening) is not a section: removing it would also
    remove the title and year the scorer picks a rubric by. The last section stops before the
    closing signature and date lines, which belong to the whole report (the publication date).
    """
    starts: list[tuple[int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if TOP_HEADING.match(line.strip()):
            starts.append((offset, line.strip()))
        offset += len(line)
    if not starts:
        return []
    ends = [s for s, _ in starts[1:]] + [_closing_lines_start(text)]
    return [Section(s, max(s, e), h, _kind_of(h)) for (s, h), e in zip(starts, ends, strict=True)]


def _closing_lines_start(text: str) -> int:
    """Where the trailing block of short non-sentence lines (signature, date) begins."""
    end = len(text)
    for line in reversed(text.splitlines(keepends=True)):
        stripped = line.strip()
        if stripped and (TOP_HEADING.match(stripped) or not is_heading(stripped)):
            break
        end -= len(line)
    return end


def remove_section(text: str, i: int) -> str:
    """The text without its i-th top-level section (heading and body)."""
    section = sections(text)[i]
    return text[: section.start] + text[section.end :]


def is_heading(line: str) -> bool:
    """A heading line: a top-level heading, or a short line with no sentence end (titles, dates too)."""
    line = line.strip()
    if not line:
        return False
    return bool(TOP_HEADING.match(line)) or (len(line) <= _SHORT_LINE and not _SENTENCE_END.search(line))


def split_sentences(line: str) -> list[str]:
    """Sentences of a line, each with its closing punctuation (a trailing fragment is one too)."""
    return [s for s in _SENTENCE.findall(line) if s]


def _regions(lines: list[str]) -> list[tuple[int, int, Kind | None]]:
    """(first line, end line, kind) of the preamble and each top-level section; preamble kind None."""
    heads = [i for i, line in enumerate(lines) if TOP_HEADING.match(line.strip())]
    bounds = [0, *heads, len(lines)]
    regions: list[tuple[int, int, Kind | None]] = []
    for a, b in pairwise(bounds):
        if a == b:
            continue
        kind = _kind_of(lines[a].strip()) if a in heads else None
        regions.append((a, b, kind))
    return regions


def _rewrite_sentences(text: str, rewrite: Callable[[str], str], work_only: bool) -> str:
    """Apply `rewrite` to every sentence of every non-heading line; with `work_only`, in work sections
    only (not the opening paragraph, which carries the title cues a document gate may rely on)."""
    lines = text.split("\n")
    for a, b, kind in _regions(lines):
        if work_only and kind != "work":
            continue
        for i in range(a, b):
            if lines[i].strip() and not is_heading(lines[i]):
                lines[i] = "".join(rewrite(s) for s in split_sentences(lines[i]))
    return "\n".join(lines)


def _with_prefixes(prefixes: tuple[str, ...]) -> Callable[[str], str]:
    """A sentence rewriter inserting the prefixes in turn, after any list ordinal (一是, 1., （一）)."""
    counter = iter(range(10**9))

    def rewrite(sentence: str) -> str:
        prefix = prefixes[next(counter) % len(prefixes)]
        m = _ORDINAL.match(sentence)
        cut = m.end() if m else len(sentence) - len(sentence.lstrip())
        return sentence[:cut] + prefix + sentence[cut:]

    return rewrite


def as_plans(text: str) -> str:
    """Every work sentence made a plan (下一步将 / 明年将 / 拟 / 计划): the same words, no work done."""
    return _rewrite_sentences(text, _with_prefixes(PLAN_PREFIXES), work_only=True)


def negated(text: str) -> str:
    """Every work sentence negated (尚未 / 未 / 没有): the same words, the work explicitly not done."""
    return _rewrite_sentences(text, _with_prefixes(NEGATION_PREFIXES), work_only=True)


def duplicated(text: str) -> str:
    """Every sentence of every non-heading line repeated right after itself: no new work, twice the words."""
    return _rewrite_sentences(text, lambda s: s + s, work_only=False)


def shuffled(text: str, seed: int) -> str:
    """Sentences shuffled within each paragraph, paragraphs within each top-level section (and within
    the preamble); heading lines and run-in headings (the （一）/1. sentence opening a line) stay where
    they are. The same work in another order."""
    rng = random.Random(seed)
    lines = text.split("\n")
    for a, b in _zones(text, _regions(lines)):
        slots = [i for i in range(a, b) if lines[i].strip() and not is_heading(lines[i])]
        heads, bodies = [], []
        for i in slots:
            head, parts = _run_in_heading(lines[i])
            rng.shuffle(parts)
            heads.append(head)
            bodies.append("".join(parts))
        rng.shuffle(bodies)
        for i, head, body in zip(slots, heads, bodies, strict=True):
            lines[i] = head + body
    return "\n".join(lines)


def _zones(text: str, regions: list[tuple[int, int, Kind | None]]) -> list[tuple[int, int]]:
    """The regions cut where the report's own structure changes zone: a report without problems or
    plans headings has unheaded closing paragraphs (存在…差距, then 今后…将…), and moving a plan
    above the paragraph that announces the plans would change what it says, not only its order."""
    zone = {text.count("\n", 0, start): kind for start, _, kind, _ in line_sections(text)}
    out = []
    for a, b, _ in regions:
        cut = a
        for i in range(a + 1, b):
            if i in zone and zone.get(i) != zone.get(max((j for j in zone if cut <= j < i), default=-1)):
                out.append((cut, i))
                cut = i
        out.append((cut, b))
    return out


def _run_in_heading(line: str) -> tuple[str, list[str]]:
    """A line's run-in heading ('' if none) and the sentences after it."""
    parts = split_sentences(line)
    if _SUB_HEADING.match(line.strip()) and parts and len(parts[0]) <= _RUN_IN_HEADING:
        return parts[0], parts[1:]
    return "", parts


def headings_only(text: str) -> str:
    """Only the headings: 一、 lines, the run-in heading of （一）/1. lines, and short lines without 。.

    A report's outline names every dimension but describes no work, so it should earn almost nothing.
    """
    kept = []
    for line in text.split("\n"):
        stripped = line.strip()
        if is_heading(stripped):
            kept.append(stripped)
        elif head := _run_in_heading(stripped)[0]:
            kept.append(head)
    return "\n".join(kept) + "\n"


# ---------------------------------------------------------------------------- gamed texts


class _DimensionLike(Protocol):
    name: str

    @property
    def keywords(self) -> tuple[str, ...]: ...


class OutlineLike(Protocol):
    """What the gamed texts need of a rubric (scorer.outline.Outline)."""

    years: tuple[int, int]

    @property
    def dimensions(self) -> tuple[_DimensionLike, ...]: ...


_CN_DIGITS = "一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (1–99), for 一、 headings."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens - 1] + "十")
    return head + (_CN_DIGITS[ones - 1] if ones else "")


def _year_of(outline: OutlineLike) -> int:
    return min(outline.years[1], 2023)


def _opening(outline: OutlineLike, title: str | None) -> list[str]:
    year = _year_of(outline)
    return [
        title or f"某某区{year}年法治政府建设年度报告",
        f"{year}年，某某区深入学习贯彻习近平法治思想，扎实推进法治政府建设，各项工作取得积极成效。"
        "现将有关情况报告如下：",
    ]


def _soup_sentences(keywords: tuple[str, ...]) -> str:
    """加强{kw}，推进{kw}，完善{kw}。 over all keywords, three at a time (the last group wraps around)."""
    out = []
    for i in range(0, len(keywords), 3):
        a, b, c = (keywords[(i + k) % len(keywords)] for k in range(3))
        out.append(f"加强{a}，推进{b}，完善{c}。")
    return "".join(out)


def keyword_soup(outline: OutlineLike, title: str | None = None) -> str:
    """A plausible title and opening, then every rubric keyword in 加强…推进…完善… slogans: no work at all."""
    lines = _opening(outline, title)
    lines += [_soup_sentences(d.keywords) for d in outline.dimensions]
    return "\n".join(lines) + "\n"


def keyword_soup_plus(outline: OutlineLike, title: str | None = None, seed: int = 0) -> str:
    """The soup dressed as a report: 一、 headings per dimension, random counts (开展{kw}工作15次),
    cue sentences for every required content (问题, 原因, 第一责任人, 下一步将) and a timely date."""
    rng = random.Random(seed)
    lines = _opening(outline, title)
    n = 0
    for n, dim in enumerate(outline.dimensions, start=1):
        counts = "".join(f"开展{kw}工作{rng.randint(2, 99)}次。" for kw in dim.keywords)
        lines += [f"{cn_number(n)}、{dim.name}", _soup_sentences(dim.keywords) + counts]
    kws = [kw for dim in outline.dimensions for kw in dim.keywords[:1]]
    lines += [
        f"{cn_number(n + 1)}、党政主要负责人履行推进法治建设第一责任人职责情况",
        "党政主要负责人认真履行推进法治建设第一责任人职责，亲自部署、亲自推动法治政府建设。",
        f"{cn_number(n + 2)}、存在的问题和不足",
        "".join(f"存在的问题是{kw}还不够完善。" for kw in kws) + "原因是对法治政府建设重视不够、投入不足。",
        f"{cn_number(n + 3)}、下一步工作安排",
        "".join(f"下一步将加强{kw}。" for kw in kws),
        "某某区人民政府",
        f"{_year_of(outline) + 1}年3月15日",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ reading a card


class _QuoteLike(Protocol):
    start: int | None


class _MeasureLike(Protocol):
    credit: float
    quote: _QuoteLike


class _DimensionResultLike(Protocol):
    id: str
    measures: list[_MeasureLike]


class _CardLike(Protocol):
    dimensions: list[_DimensionResultLike]


def section_dimension(card: _CardLike, section: Section) -> str | None:
    """The dimension a section is about: most credited measures quoted from inside it (ties: more
    credit), None when it has none. Offsets are those of the text the card was scored from."""
    counts: dict[str, tuple[int, float]] = {}
    for dim in card.dimensions:
        for m in dim.measures:
            if m.credit > 0 and m.quote.start is not None and section.start <= m.quote.start < section.end:
                n, credit = counts.get(dim.id, (0, 0.0))
                counts[dim.id] = (n + 1, credit + m.credit)
    return max(counts, key=lambda d: counts[d]) if counts else None
