"""HTML page → report text: the page's main content, not its chrome.

A government page prints the report inside a top bar, navigation, breadcrumbs, print/share tools,
related links and a footer. readability-lxml picks the block that holds the report; the page's own
heading and header fields (info line 发布时间：…, disclosure catalogue 索引号/发布机构/文号) are kept
when that block lacks them, because metadata reads the title, document number, issuing body and, as
a last resort, the page's publication date from them. The text returned is what the
normalizer calls the original, so memo quotes are the characters printed in those blocks. When the
library finds nothing, or too little of the page's prose, the whole page is rendered as before and
the boilerplate phrase list (scorer/data/boilerplate.toml) removes what it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Main content must hold this share of the page's prose, or the whole page is used.
MIN_PROSE_SHARE = 0.3
# A line this long is prose, not chrome (menus, tools and footers print short lines).
PROSE_LINE = 20
_PAGE = re.compile(r"<\s*(html|body)\b", re.IGNORECASE)
# Header fields a page prints around the report (info line, disclosure catalogue): metadata reads
# the page's date, document number and issuing body from them, the phrase list then removes them.
_HEADER_FIELD = re.compile(
    r"^(索引号|发布机构|发文机关|文\s*号|发布时间|发布日期|发文日期|成文日期|發布時間|發布日期)\s*[:：]\s*\S"
)
_MAX_HEADER_LINE = 200

_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td th thead title tr ul".split()
)
_HEADINGS = frozenset(("h1", "h2", "h3"))
_DROP = frozenset("script style noscript template svg head iframe button select option".split())


class _TextExtractor(HTMLParser):
    """Collect text, one line per block element, skipping scripts, styles and form widgets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.headings: list[str] = []
        self._current: list[str] = []
        self._skip: list[str] = []

    def _flush(self) -> None:
        line = re.sub(r"[ \t\n]+", " ", "".join(self._current)).strip()
        if line:
            self.lines.append(line)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip.clear()
        if tag in _DROP:
            self._skip.append(tag)
            return
        if tag in _BLOCK:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()
            return
        if tag in _BLOCK and not self._skip:
            count = len(self.lines)
            self._flush()
            if tag in _HEADINGS and len(self.lines) > count:
                self.headings.append(self.lines[-1])

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)


def _render(html: str) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser


def html_to_text(html: str) -> str:
    """Render HTML as plain text with block elements as lines; scripts and styles dropped."""
    return "\n".join(_render(html).lines) + "\n"


@dataclass(frozen=True)
class PageText:
    """The text of a page and how it was found: `main_content`, or `whole_page` with the reason."""

    text: str
    method: str
    reason: str = ""


def _prose(lines: list[str]) -> int:
    return sum(len(x) for x in lines if len(x) >= PROSE_LINE)


def _main_block(html: str) -> tuple[str, str] | None:
    """The HTML of the main content according to readability-lxml and the page title, None if it fails."""
    try:
        from readability import Document

        document = Document(html)
        return document.summary(html_partial=True), document.title()
    except Exception:  # a parser library's failure on a hostile page is a reason to fall back, not a crash
        return None


def _page_lines(page: _TextExtractor, main: list[str], title: str) -> list[str]:
    """The page's heading (an h1–h3 the <title> repeats) and header fields the main block lacks."""
    lines = page.lines
    heading = next((x for x in page.headings if len(x) >= 4 and x in title), None)
    wanted = [heading] if heading and heading not in main else []
    present = {_field(x) for x in main} - {None}
    for line in lines:
        field = _field(line)
        if field and field not in present and len(line) <= _MAX_HEADER_LINE:
            wanted.append(line)
            present.add(field)
    return sorted(set(wanted), key=lines.index)


def _field(line: str) -> str | None:
    m = _HEADER_FIELD.match(line)
    return re.sub(r"\s", "", m.group(1)) if m else None


def page_text(html: str) -> PageText:
    """The report text of an HTML page: its main content, or the whole page if that is unsure."""
    page = _render(html)
    whole = "\n".join(page.lines) + "\n"
    if not _PAGE.search(html):
        return PageText(whole, "whole_page", "fragment without <html> or <body>")
    found = _main_block(html)
    if found is None:
        return PageText(whole, "whole_page", "readability-lxml failed on the page")
    block, title = found
    lines = page.lines
    main = html_to_text(block).split("\n")
    if not any(main):
        return PageText(whole, "whole_page", "readability-lxml found no main content")
    if _prose(main) < MIN_PROSE_SHARE * _prose(lines):
        return PageText(whole, "whole_page", f"main content under {MIN_PROSE_SHARE:.0%} of the page's prose")
    kept = [*_page_lines(page, main, title or ""), *(x for x in main if x)]
    return PageText("\n".join(kept) + "\n", "main_content")
