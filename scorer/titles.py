"""Short titles for measures, plans and shortcomings that never cut a word in half.

A title is the model's own summary (whole when it fits), else the first substantial clause of
the sentence (up to ，；：。！？). Chinese has no spaces, so a fixed character count cuts
mid-phrase (召开中共浏阳市委全面依法治市委员会第二次). A clause longer than TITLE_CHARS
is cut only where a phrase ends (after 、 or a closing quote or bracket, before an opening
one, never inside 《…》 or “…”) and marked with …: the last such place within TITLE_CHARS,
else the first one after it; a clause with no such place is kept whole.
"""

from __future__ import annotations

import re

from scorer.sentences import ORDINAL

TITLE_CHARS = 28
MIN_TITLE_CHARS = 6
# Clause ends; an ASCII , : ; between two digits (1,200 / 10:30) is part of a number.
_CLAUSE = re.compile(r"[，。；：！？]|(?<!\d)[,:;!?]|[,:;](?!\d)")
_DATE_ONLY = re.compile(r"[\d年月日度以来今同时此外]+")
_OPEN = "《“‘「『【（(〔"
_CLOSE = "》”’」』】）)〕"


def first_clause(text: str) -> str:
    """The first clause of TEXT that says something (not a list ordinal, a date or 同时)."""
    body = ORDINAL.sub("", text.strip()).strip()
    clauses = [c.strip() for c in _CLAUSE.split(body) if c.strip()]
    substantial = [c for c in clauses if len(c) >= MIN_TITLE_CHARS and not _DATE_ONLY.fullmatch(c)]
    return (substantial or clauses or [body])[0]


def _phrase_ends(clause: str) -> list[int]:
    """Positions where CLAUSE may be cut: after 、 or a closing mark, before an opening mark,
    outside any quotes or brackets."""
    ends, depth = [], 0
    for i, ch in enumerate(clause):
        if ch in _OPEN:
            if depth == 0:
                ends.append(i)
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
            if depth == 0:
                ends.append(i + 1)
        elif ch == "、" and depth == 0:
            ends.append(i)
    return ends


def _cut(text: str, ends: list[int], limit: int) -> str:
    """TEXT cut at the last of ENDS within LIMIT (else the first after it), marked …"""
    ends = sorted(i for i in set(ends) if MIN_TITLE_CHARS <= i < len(text))
    within = [i for i in ends if i <= limit]
    beyond = [i for i in ends if i > limit]
    cut = within[-1] if within else beyond[0] if beyond else len(text)
    return text if cut == len(text) else text[:cut].rstrip("、，,；;：: ") + "…"


def short_title(text: str, limit: int = TITLE_CHARS) -> str:
    """A title from a sentence: its first clause, cut at a phrase end (marked …) when over LIMIT."""
    clause = first_clause(text)
    return clause if len(clause) <= limit else _cut(clause, _phrase_ends(clause), limit)


def summary_title(summary: str, limit: int = TITLE_CHARS) -> str:
    """The model's own summary, whole when it fits in LIMIT (两句并列 included); a longer one is
    cut where a clause or phrase ends."""
    text = " ".join(summary.split())
    if len(text) <= limit:
        return text
    return _cut(text, [m.start() for m in _CLAUSE.finditer(text)] + _phrase_ends(text), limit)
