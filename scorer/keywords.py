"""Which dimensions and sub-items a passage is about, by the rubric's keywords.

One regex for all keywords of a rubric (a trie, longest first at each position). Where keywords
of two dimensions overlap in the text the longer one wins, and a keyword inside a proper name
(三一智慧科技有限公司) does not count. One sentence earns points in one dimension only:
`assign` picks it by the rule written in the rubric file.
"""

from __future__ import annotations

import re
from functools import cache

from scorer.figures import trie_regex
from scorer.outline import Outline

_PUNCT = re.compile(r"[，,。；;：:、！!？?（）()“”\"《》\s]")


@cache
def _index(outline: Outline) -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str] | None]:
    owner = {kw: dim.id for dim in outline.dimensions for kw in dim.keywords}
    suffixes = outline.matching.name_suffixes
    names = re.compile("|".join(map(re.escape, suffixes))) if suffixes else None
    return re.compile(f"(?=({trie_regex(list(owner))}))"), owner, names


def vocabulary(outline: Outline) -> re.Pattern[str]:
    """All keywords of the rubric as one pattern (longest first), to mask them out of a sentence."""
    return _vocabulary(outline)


@cache
def _vocabulary(outline: Outline) -> re.Pattern[str]:
    return re.compile(trie_regex([kw for dim in outline.dimensions for kw in dim.keywords]))


def _in_name(text: str, end: int, names: re.Pattern[str] | None, reach: int) -> bool:
    """A keyword followed, within the same run of characters, by 公司/集团/… is part of a name."""
    if names is None:
        return False
    tail = _PUNCT.split(text[end : end + reach], 1)[0]
    return bool(names.search(tail))


def hits(text: str, outline: Outline) -> dict[str, list[str]]:
    """Dimension id → keywords found in `text`; shadowed and in-name matches dropped."""
    pattern, owner, names = _index(outline)
    reach = outline.matching.name_reach
    matches = [
        (m.start(), m.start() + len(m.group(1)), owner[m.group(1)], m.group(1))
        for m in pattern.finditer(text)
        if not _in_name(text, m.start() + len(m.group(1)), names, reach)
    ]
    kept: dict[str, list[str]] = {}
    for s, e, dim_id, kw in matches:
        shadowed = any(
            s2 <= s and e <= e2 and (e2 - s2) > (e - s) and d2 != dim_id for s2, e2, d2, _ in matches
        )
        if not shadowed and kw not in kept.get(dim_id, []):
            kept.setdefault(dim_id, []).append(kw)
    return kept


def items_hit(dim_id: str, keywords: list[str], outline: Outline) -> list[str]:
    """The sub-items of a dimension that these keywords belong to, in rubric order."""
    dim = outline.dimension(dim_id)
    return [item.id for item in dim.items if any(k in keywords for k in item.keywords)]


def assign(found: dict[str, list[str]], outline: Outline, allowed: set[str] | None = None) -> str | None:
    """The one dimension a passage counts for: most distinct keywords, then the longest keyword,
    then the rubric's `precedence` list, then rubric order. `allowed` limits the candidates
    (the dimensions a model filed the passage under)."""
    candidates = [d for d in found if found[d] and (allowed is None or d in allowed)]
    if not candidates:
        return None
    order = {d: i for i, d in enumerate(outline.precedence or [d.id for d in outline.dimensions])}
    return min(
        candidates,
        key=lambda d: (-len(found[d]), -max(map(len, found[d])), order.get(d, len(order))),
    )
