"""A report as numbered sentences, each knowing its section and whether it is a heading.

Numbers are positions in the whole report, so sentence 17 is the same sentence in every chunk
and every run. The section (work, problems, plans) comes from the top-level heading a sentence
stands under or, in reports without such headings, from the closing paragraphs that admit
shortcomings and announce next year's work. Deterministic and pure: both backends and the
scorer read the same sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from scorer.chunking import SUB_HEADING, TOP_HEADING

Section = Literal["preamble", "work", "problems", "plans"]

PROBLEM_HEADING = re.compile(r"问题|不足|困难|短板|差距|薄弱")
PLAN_HEADING = re.compile(
    r"下一步|打算|规划|计划|安排|思路|下一年|今后|努力方向|展望|(?:19|20)\d{2}年(?:度)?工作(?:要点|重点)"
)
PROBLEM_PARAGRAPH = re.compile(
    r"(?:存在|还有|仍有|面临)(?:着)?(?:一定的|一些|不少|以下)?(?:问题|不足|差距|短板|困难)|主要表现在|有待(?:进一步)?(?:加强|提升|提高|完善)"
)
PLAN_PARAGRAPH = re.compile(r"下一步|今后|下一年|明年|将(?:继续|进一步|坚持|持续|着力)")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
ORDINAL = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]+[)）]|\d+[.．、]|[一二三四五六七八九十]+[、是]|第[一二三四五六七八九十]+[,，、]|[①-⑳])"
)
CLOSING_SHARE = 0.6
RUN_IN_HEADING_MAX = 25  # "1.领导高度重视。" opening a paragraph is a heading, not a measure
BARE_HEADING_MAX = 30


@dataclass(frozen=True)
class Sentence:
    """One sentence of the normalized text: [start, end) offsets, its section, and if it is a heading."""

    index: int
    start: int
    end: int
    text: str
    section: Section
    heading: bool

    @property
    def body(self) -> str:
        """The sentence without its list ordinal (一是, 1., （三）) and end punctuation."""
        return ORDINAL.sub("", self.text).strip().rstrip("。；;!！?？ ")


def _is_heading(line: str, has_top: bool) -> bool:
    stripped = line.strip()
    if has_top:
        if TOP_HEADING.match(stripped):
            return True
    elif len(stripped) <= BARE_HEADING_MAX and not re.search(r"[。；，,]", stripped):
        return True
    return (
        bool(SUB_HEADING.match(stripped)) and len(stripped) <= BARE_HEADING_MAX and "。" not in stripped[:-1]
    )


def _run_in(piece: str, body: str) -> bool:
    """A numbered short sentence without commas or digits is a heading run into its paragraph."""
    return (
        ORDINAL.match(piece) is not None
        and len(body) <= RUN_IN_HEADING_MAX
        and not re.search(r"[，,；;\d]", body)
    )


def _section_of(title: str) -> Section:
    title = title[:40]
    if PROBLEM_HEADING.search(title):
        return "problems"
    return "plans" if PLAN_HEADING.search(title) else "work"


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def line_sections(text: str) -> Iterator[tuple[int, str, Section, bool]]:
    """(start, line, section, is_heading) for every line.

    Top-level headings switch the section; what stands before the first one (title, opening
    summary, 现将…报告如下) is the preamble, which reports no measure of its own. A report
    without a problems heading has its closing paragraphs (last 40%) recognised by cue words:
    one admitting shortcomings, then paragraphs announcing next year's work.
    """
    has_top = any(TOP_HEADING.match(line.strip()) for _, line in _lines(text))
    section: Section = "preamble" if has_top else "work"
    closing = False
    for start, line in _lines(text):
        if not line.strip():
            continue
        heading = _is_heading(line, has_top)
        top = heading and (TOP_HEADING.match(line.strip()) if has_top else True)
        if top:
            section, closing = _section_of(line), False
        elif section == "work" and not closing and not heading:
            if start >= len(text) * CLOSING_SHARE and PROBLEM_PARAGRAPH.search(line[:120]):
                closing, section = True, "problems"
        elif closing and section == "problems" and not heading and PLAN_PARAGRAPH.search(line[:80]):
            section = "plans"
        yield start, line, section, heading


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Every sentence of the report, numbered from 1 in reading order."""
    out: list[Sentence] = []
    for start, line, section, heading in line_sections(text):
        for m in _SENTENCE.finditer(line):
            piece = m.group().strip()
            if not piece or not re.search(r"[\w\u4e00-\u9fff]", piece):
                continue
            lead = m.group().index(piece[0])
            s = start + m.start() + lead
            body = ORDINAL.sub("", piece).strip().rstrip("。；;!！?？ ")
            out.append(
                Sentence(len(out) + 1, s, s + len(piece), piece, section, heading or _run_in(piece, body))
            )
    return tuple(out)


def overlapping(sentences: tuple[Sentence, ...], start: int, end: int) -> list[Sentence]:
    """The sentences that share at least one character with [start, end)."""
    return [s for s in sentences if s.start < end and start < s.end]
