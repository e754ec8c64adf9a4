"""Markdown escaping for report text: only where a character would otherwise change the rendering.

Report text is data, never markup, but a memo full of `94\\.9%` and `&lt;` is hard to read as a
file. So a character is escaped only where CommonMark / GitHub Markdown would read it as markup:
backticks, `*`, `~`, brackets, `_` at a word edge, a backslash before punctuation, `&` that would
start an entity, `<` that would start a tag or autolink (followed by a letter, `/`, `!` or `?`),
`|` inside a table cell, and list / heading / quote markers at the start of a block. A report's
`<script>` therefore never becomes live HTML, and `94.9%` stays `94.9%`.
"""

from __future__ import annotations

import re
import string
from typing import Literal

Where = Literal["inline", "cell", "line"]

_WHITESPACE = re.compile(r"\s+")
_ENTITY = re.compile(r"&#?[A-Za-z0-9]+;")
_TAG_START = frozenset(string.ascii_letters + "/!?")
_ALWAYS = frozenset("`*~[]")
_PUNCTUATION = frozenset(string.punctuation)
# At the start of a block: a heading, a quote, a bullet, a rule or setext underline, an ordered item.
_BLOCK_MARKER = re.compile(r"^(?:[#>]|[-+](?=\s|$)|[-=](?=[-=\s]*$)|\d{1,9}[.)](?=\s|$))")


def _char(text: str, i: int, cell: bool) -> str:
    """The escaped form of text[i], judged by its neighbours."""
    ch = text[i]
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch == "\\":
        return "\\\\" if not after or after in _PUNCTUATION else ch
    if ch == "&":
        return "&amp;" if _ENTITY.match(text, i) else ch
    if ch == "<":
        return "&lt;" if after in _TAG_START and after else ch
    if ch in _ALWAYS or (ch == "|" and cell):
        return "\\" + ch
    if ch == "_":
        return ch if before.isalnum() and after.isalnum() else "\\_"
    return ch


def md_escape(text: str | None, where: Where = "cell") -> str:
    """TEXT on one line, escaped for WHERE it stands: `inline` (inside a line), `cell` (a table
    cell: also `|`) or `line` (at the start of a block: also a leading #, >, -, +, =, or 1.)."""
    if not text:
        return ""
    text = _WHITESPACE.sub(" ", text).strip()
    escaped = "".join(_char(text, i, where == "cell") for i in range(len(text)))
    if where == "line" and (marker := _BLOCK_MARKER.match(escaped)):
        end = marker.end()
        return escaped[: end - 1] + "\\" + escaped[end - 1 :]
    return escaped
