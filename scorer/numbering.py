"""Word's automatic numbering, rendered: the `一、` / `（一）` / `1.` that Word draws but does not store.

A heading numbered by Word (`w:numPr` on the paragraph or on its style, definitions in
numbering.xml) has no number in its text, and python-docx returns the text only. The scorer
finds a report's sections by their numbered headings (scorer/chunking.py, scorer/sentences.py),
so without the label a report can lose its 存在的不足 and 下一年度安排 sections. `Numbering`
replays Word's counters in document order and gives each paragraph its label.

Counters are kept per (numId, ilvl); numbering a level restarts the levels below it; a level
starts at `w:start`, or at the list's `w:lvlOverride/w:startOverride`. Formats that cannot be
rendered as text (bullets, pictures, unknown formats) give no label rather than a stray glyph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"  # ideographDigital: 2024 → 二〇二四
_COUNTING = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"))
_ROMAN += ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_PLACEHOLDER = re.compile(r"%([1-9])")
_ENDS_WITH_PUNCT = re.compile(r"[、，,.．:：)）\]】]$")


def _chinese(n: int, digits: str = _COUNTING, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (Word's chineseCounting)."""
    if n <= 0:
        return digits[0]
    if n >= 10000:  # no list runs this long: written digit by digit
        return "".join(_DIGITS[int(d)] for d in str(n)) if digits is _COUNTING else str(n)
    parts: list[str] = []
    zero = False
    for power, unit in ((3, units[2]), (2, units[1]), (1, units[0]), (0, "")):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(parts)
            continue
        parts.append((digits[0] if zero else "") + digits[digit] + unit)
        zero = False
    out = "".join(parts)
    return out[1:] if 10 <= n < 20 and digits is _COUNTING else out  # 十一, not 一十一


def _letters(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA (Word repeats the letter); a number past ZZZZZ as digits."""
    if not 0 < n <= 130:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    """14 → XIV; outside 1–3999 (a hostile w:start) as digits."""
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, numeral in _ROMAN:
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _enclosed(first: int, limit: int, fallback: str) -> Callable[[int], str]:
    """①-style characters up to `limit`, then the fallback; ⑴ and ⒈ as their plain forms (1) and 1."""

    def render(n: int) -> str:
        if not 1 <= n <= limit:
            return fallback.format(n)
        char = chr(first + n - 1)
        return char if first == 0x2460 else unicodedata.normalize("NFKC", char)

    return render


FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": _enclosed(0x2460, 20, "({})"),
    "decimalEnclosedCircleChinese": _enclosed(0x2460, 20, "({})"),
    "decimalEnclosedParen": _enclosed(0x2474, 20, "({})"),
    "decimalEnclosedFullstop": _enclosed(0x2488, 20, "{}."),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "ideographDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: _chinese(n, _LEGAL, "拾佰仟"),
    "ideographLegalTraditional": lambda n: _chinese(n, "零壹貳參肆伍陸柒捌玖", "拾佰仟"),
    "ideographTraditional": lambda n: _STEMS[(n - 1) % 10],
    "ideographZodiac": lambda n: _BRANCHES[(n - 1) % 12],
    "upperLetter": _letters,
    "lowerLetter": lambda n: _letters(n).lower(),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "none": lambda n: "",
}


@dataclass(frozen=True)
class Level:
    """One level of a list: how its number is written (`numFmt`, `lvlText` like `（%1）`) and its start."""

    fmt: str = "decimal"
    text: str | None = None  # None: no w:lvlText, nothing is drawn
    start: int = 0
    legal: bool = False  # w:isLgl: every placeholder in decimal (1.1 under 一、)
    suffix: str = "tab"
    style: str | None = None  # w:pStyle: the paragraph style this level belongs to


@dataclass(frozen=True)
class ListDef:
    """A `w:num`: its abstract levels, with the overrides it adds (a restart, a whole level)."""

    levels: dict[int, Level]
    starts: dict[int, int]


def qn(tag: str) -> str:
    """`w:numPr` → its Clark name (no python-docx import: plain-text reports never load it)."""
    return _W + tag.removeprefix("w:")


def _val(element: object, tag: str) -> str | None:
    child = element.find(qn(tag)) if element is not None else None  # type: ignore[attr-defined]
    return child.get(qn("w:val")) if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _level(lvl: object) -> Level:
    fmt = _val(lvl, "w:numFmt") or "decimal"
    if lvl.find(qn("w:lvlPicBulletId")) is not None:  # type: ignore[attr-defined]
        fmt = "bullet"
    return Level(
        fmt=fmt,
        text=_val(lvl, "w:lvlText"),
        start=_int(_val(lvl, "w:start"), 0),
        legal=lvl.find(qn("w:isLgl")) is not None  # type: ignore[attr-defined]
        and _val(lvl, "w:isLgl") not in {"0", "false"},
        suffix=_val(lvl, "w:suff") or "tab",
        style=_val(lvl, "w:pStyle"),
    )


def _levels(container: object) -> dict[int, Level]:
    return {_int(lvl.get(qn("w:ilvl")), 0): _level(lvl) for lvl in container.findall(qn("w:lvl"))}  # type: ignore[attr-defined]


def read_lists(numbering: object | None) -> dict[str, ListDef]:
    """numId → its list, from the numbering part's root element (None: the document has none)."""
    if numbering is None:
        return {}
    abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}  # type: ignore[attr-defined]
    lists: dict[str, ListDef] = {}
    for num in numbering.findall(qn("w:num")):  # type: ignore[attr-defined]
        base = abstract.get(_val(num, "w:abstractNumId"))
        if base is not None and _val(base, "w:numStyleLink"):  # a list style: its own num's levels
            base = _style_link(abstract, _val(base, "w:numStyleLink")) or base
        levels = _levels(base) if base is not None else {}
        starts: dict[int, int] = {}
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = _int(override.get(qn("w:ilvl")), 0)
            lvl = override.find(qn("w:lvl"))
            if lvl is not None:
                levels[ilvl] = _level(lvl)
            start = _val(override, "w:startOverride")
            if start is not None:
                starts[ilvl] = _int(start, 0)
        lists[num.get(qn("w:numId"))] = ListDef(levels, starts)
    return lists


def _style_link(abstract: dict[str | None, object], link: str | None) -> object | None:
    """The abstractNum that defines a list style (`w:styleLink`), which `w:numStyleLink` points to."""
    return next((a for a in abstract.values() if _val(a, "w:styleLink") == link), None)


@dataclass(frozen=True)
class StyleNumbering:
    """A paragraph style's own numPr (numId, ilvl or None) and the style it is based on."""

    num_id: str | None
    ilvl: int | None
    based_on: str | None


def read_styles(styles: object | None) -> dict[str, StyleNumbering]:
    """styleId → the numbering it gives its paragraphs, from the styles part's root element."""
    out: dict[str, StyleNumbering] = {}
    for style in styles.findall(qn("w:style")) if styles is not None else ():  # type: ignore[attr-defined]
        num_pr = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        num_id = _val(num_pr, "w:numId")
        ilvl = _val(num_pr, "w:ilvl")
        out[style.get(qn("w:styleId"))] = StyleNumbering(
            num_id, _int(ilvl, 0) if ilvl is not None else None, _val(style, "w:basedOn")
        )
    return out


@dataclass
class Numbering:
    """Word's counters, replayed paragraph by paragraph in document order."""

    lists: dict[str, ListDef]
    styles: dict[str, StyleNumbering]
    counters: dict[tuple[str, int], int] = field(default_factory=dict)

    @classmethod
    def of(cls, document: object) -> Numbering:
        """The numbering of a python-docx Document (none when it has no numbering part)."""
        part = document.part  # type: ignore[attr-defined]
        try:
            numbering = part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        return cls(read_lists(numbering), read_styles(part.styles.element))

    def _num_pr(self, p: object) -> tuple[str | None, int | None, str | None]:
        """(numId, ilvl, styleId) for a paragraph: its own numPr first, then its style chain's."""
        ppr = p.find(qn("w:pPr"))  # type: ignore[attr-defined]
        style_id = _val(ppr, "w:pStyle")
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id, ilvl = _val(num_pr, "w:numId"), _val(num_pr, "w:ilvl")
        seen: set[str] = set()
        style = style_id
        while num_id is None and style and style not in seen and style in self.styles:
            seen.add(style)
            num_id = self.styles[style].num_id
            if ilvl is None and self.styles[style].ilvl is not None:
                ilvl = str(self.styles[style].ilvl)
            style = self.styles[style].based_on
        return num_id, (None if ilvl is None else _int(ilvl, 0)), style_id

    def label(self, p: object) -> str:
        """The label Word draws before paragraph `p` (a CT_P), with its separator; "" for none."""
        num_id, ilvl, style_id = self._num_pr(p)
        definition = self.lists.get(num_id) if num_id not in (None, "0") else None
        if definition is None:
            return ""
        if ilvl is None:  # numbered through its style: the level linked to that style, else the first
            ilvl = next((i for i, lvl in definition.levels.items() if lvl.style == style_id), 0)
        level = definition.levels.get(ilvl)
        if level is None:
            return ""
        key = (num_id, ilvl)
        start = definition.starts.get(ilvl, level.start)
        self.counters[key] = self.counters[key] + 1 if key in self.counters else start
        for lower in [k for k in self.counters if k[0] == num_id and k[1] > ilvl]:
            del self.counters[lower]
        return self._render(num_id, definition, ilvl, level)

    def _render(self, num_id: str, definition: ListDef, ilvl: int, level: Level) -> str:
        if level.text is None or level.fmt not in FORMATS:
            return ""  # bullets, pictures and unknown formats: no label, not a stray glyph
        text = ""
        pos = 0
        for match in _PLACEHOLDER.finditer(level.text):
            n = int(match.group(1)) - 1
            other = definition.levels.get(n, Level())
            fmt = "decimal" if level.legal and n != ilvl else other.fmt
            if fmt not in FORMATS:
                return ""
            count = self.counters.get((num_id, n), definition.starts.get(n, other.start))
            text += level.text[pos : match.start()] + FORMATS[fmt](count)
            pos = match.end()
        text += level.text[pos:]
        if not text.strip():
            return ""
        space = level.suffix != "nothing" and not _ENDS_WITH_PUNCT.search(text)
        return text + (" " if space else "")
