"""PDF lines → paragraphs: drop page numbers and running headers, join wrapped lines.

A PDF's text layer has a hard break at the end of every printed line, but the rest of the
pipeline reads a line break as the end of a sentence or a heading (scorer/sentences.py). So a
line is joined to the next when it runs to the right margin (it was wrapped), unless the next
line is indented (a new paragraph's first line) or opens a numbered heading (一、 (二) 3.).
A line that stops short ends its paragraph, as a heading or a paragraph's last line does. In a
document without first-line indents, a line ending in a full stop also ends its paragraph.
Pure functions over the lines' text and geometry; the PDF library is in scorer/formats.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# Page numbers as printed in footers: `- 3 -`, `— 3 —`, `3`, `3/9`, `第 3 页 共 9 页`, `第3页`, `Page 3 of 9`.
PAGE_NUMBER = re.compile(
    r"^(?:[-－—–~·\s]*\d{1,4}[-－—–~·\s]*"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页"
    r"|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?)$"
)
# A line that opens a heading or a numbered item starts a new paragraph even after a full line.
OPENS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十]+[章节条部分]|[①-⑳])"
)
EDGE_LINES = 2  # running headers and footers stand among the first or last two lines of a page
WRAP_SLACK = 0.5  # characters of tolerance when asking whether the next word would have fit
INDENT = 0.8  # a line starting this many characters right of the left margin opens a paragraph
INDENTED_SHARE = 0.1  # fewer indented lines than this: the document does not indent its paragraphs
_MARGIN_QUANTILE = 0.9  # most lines of a report are wrapped: this quantile of right edges is the margin


@dataclass(frozen=True)
class Line:
    """One printed line: its text, left and right edges, font size and the width of its first
    unbreakable run (a Han character with its closing punctuation, or a Latin word or number), in points."""

    text: str
    left: float
    right: float
    size: float
    lead: float


# What a line cannot be broken inside: a Latin word or number (with its brackets and signs), or one
# character followed by the punctuation that may not open a line.
_WORD = r"[A-Za-z0-9_.%+\-/:<>—–\u00c0-\u024f]"
_CLOSING = "，。、；：！？）》」』”’%"
LEAD = re.compile(
    rf"[(（\[]?{_WORD}*[A-Za-z0-9\u00c0-\u024f]{_WORD}*[)）\]]?[{_CLOSING}]*"
    rf"|[{_CLOSING}]*[“‘（《「『]*.[{_CLOSING}]*"
)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _running(pages: Sequence[Sequence[Line]]) -> set[str]:
    """Lines printed at the top or bottom of most pages (digits ignored): running headers, footers."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_key(line.text) for line in [*lines[:EDGE_LINES], *lines[-EDGE_LINES:]]})
    need = max(2, (len(pages) + 1) // 2)
    return {key for key, count in seen.items() if count >= need}


def body_lines(pages: Sequence[Sequence[Line]]) -> list[Line]:
    """Every page's non-empty lines without page numbers and running headers or footers."""
    kept = [[ln for ln in lines if not PAGE_NUMBER.match(ln.text.strip())] for lines in pages]
    running = _running(kept)
    return [ln for lines in kept for ln in lines if _key(ln.text) not in running]


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _joiner(left: str, right: str) -> str:
    """Latin words keep a space across the break; Chinese text and numbers join directly."""
    return " " if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() else ""


def reflow(pages: Sequence[Sequence[Line]]) -> str:
    """The text of a PDF's pages as one paragraph per line, ready for normalize()."""
    lines = body_lines(pages)
    if not lines:
        return ""
    right = _quantile([ln.right for ln in lines], _MARGIN_QUANTILE)
    left = Counter(round(ln.left) for ln in lines).most_common(1)[0][0]
    indented = [ln.left > left + INDENT * ln.size for ln in lines]
    # Without first-line indents a paragraph that fills its last line looks wrapped; a break after
    # a full stop is then kept, as it costs nothing (the sentence ends there anyway).
    stop_ends = sum(indented) < INDENTED_SHARE * len(lines)
    paragraphs: list[str] = []
    current = ""
    previous: Line | None = None
    for line, indent in zip(lines, indented, strict=True):
        text = line.text.strip()
        starts = OPENS_ITEM.match(text) or indent or (stop_ends and current.endswith(("。", "！", "？")))
        # The previous line was wrapped if this line's first word would not have fit after it.
        wrapped = previous is not None and previous.right + line.lead > right - WRAP_SLACK * line.size
        if current and (starts or not wrapped):
            paragraphs.append(current)
            current = ""
        current = current + _joiner(current, text) + text if current else text
        previous = line
    paragraphs.append(current)
    return "\n".join(paragraphs) + "\n"
