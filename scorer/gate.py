"""The document gate: is this a 法治政府建设年度报告, or another kind of government document?

Only annual reports are graded. A 政府工作报告, an evaluation or news digest, a work plan or a
notice shares the vocabulary and would get a misleading score, so it is recognised and labelled
instead. The decision adds up many small, independent signals (title, opening and closing
formulas, structure, the share of sentences about rule-of-law work, cues of other kinds), so no
single line flips it. Every cue, weight and threshold lives in `scorer/data/kinds.toml`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from scorer.chunking import SUB_HEADING, TOP_HEADING
from scorer.errors import ConfigError

if TYPE_CHECKING:
    from scorer.outline import Outline
    from scorer.pipeline import Document

Kind = Literal["annual_report", "work_report", "evaluation", "plan_notice", "other"]
SCORED_KINDS: tuple[Kind, ...] = ("annual_report", "work_report", "evaluation", "plan_notice")
ScoredKind = Literal["annual_report", "work_report", "evaluation", "plan_notice"]
Scope = Literal["title", "head", "tail", "text", "headings", "removed"]

_QUOTE_MAX = 20
_SENTENCE_SPLIT = re.compile(r"[。！？；!?;\n]")
_LINE_END_PUNCT = re.compile(r"[。！？；，,;:：!?]$")
_HEADING_CUT = re.compile(r"[。！？；]")
_RULE_OF_LAW = "@rule_of_law"


class Signal(BaseModel):
    """One piece of evidence for one kind; `weight` is its signed contribution to that kind."""

    model_config = ConfigDict(frozen=True)
    kind: str
    name: str
    weight: float
    reason: str


class KindDecision(BaseModel):
    """What the document is, the per-kind scores, and the signals behind the decision."""

    model_config = ConfigDict(frozen=True)
    kind: Kind
    label: str
    scores: dict[str, float]
    evidence: tuple[Signal, ...]

    @property
    def graded(self) -> bool:
        return self.kind == "annual_report"

    def reasons(self) -> list[str]:
        """Chinese reasons, strongest first, for 「不予评级：……依据：……」."""
        return [s.reason for s in self.evidence]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regex(pattern: str) -> str:
    if pattern != _RULE_OF_LAW:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern


Regex = Annotated[str, AfterValidator(_check_regex)]


class _Decision(_Strict):
    annual_min: float
    annual_margin: float = Field(ge=0)
    other_min: float


class _Scopes(_Strict):
    title_lines: int = Field(ge=1)
    title_max_chars: int = Field(ge=1)
    head_chars: int = Field(ge=1)
    tail_chars: int = Field(ge=1)
    heading_max_chars: int = Field(ge=1)


class _Share(_Strict):
    """A share of sentences matching `pattern`, turned into a clamped linear weight."""

    name: str
    kinds: tuple[ScoredKind, ...] = Field(min_length=1)
    use_outline_keywords: bool
    pattern: Regex
    min_chars: int = Field(ge=1)
    pivot: float = Field(ge=0, le=1)
    gain: float
    low: float
    high: float
    reason: str


class _Cue(_Strict):
    """A regular expression in a scope; each hit adds `weights[kind]`, up to `caps[kind]`."""

    name: str
    scope: Scope
    pattern: Regex
    weights: dict[ScoredKind, float] = Field(min_length=1)
    caps: dict[ScoredKind, float] = {}
    reason: str

    @model_validator(mode="after")
    def _caps_follow_weights(self) -> _Cue:
        for kind, cap in self.caps.items():
            weight = self.weights.get(kind)
            if weight is None or (cap > 0) != (weight > 0):
                raise ValueError(f"cap for {kind} needs a weight of the same sign")
        return self

    def total(self, kind: ScoredKind, count: int) -> float:
        """The contribution of `count` hits: one hit without a cap, else up to the cap."""
        weight = self.weights[kind]
        cap = self.caps.get(kind, weight)
        return round(min(count * weight, cap) if weight > 0 else max(count * weight, cap), 2)


class _Headings(_Strict):
    rule_of_law: Regex


class _Vocabulary(_Strict):
    """The share of the rubric's distinct keywords a document uses: a report uses a fifth to a
    quarter of them, a keyword list nearly all. weight = clamp((share − pivot) × gain, low, high)."""

    pivot: float = Field(ge=0, le=1)
    gain: float
    low: float
    high: float
    reason: str


class KindsConfig(_Strict):
    """The validated contents of `scorer/data/kinds.toml`."""

    decision: _Decision
    labels: dict[Kind, str]
    scopes: _Scopes
    shares: tuple[_Share, ...]
    vocabulary: _Vocabulary
    cues: tuple[_Cue, ...] = Field(min_length=1)
    headings: _Headings

    @model_validator(mode="after")
    def _all_labels(self) -> KindsConfig:
        missing = [k for k in (*SCORED_KINDS, "other") if k not in self.labels]
        if missing:
            raise ValueError(f"labels missing for {missing}")
        return self


@cache
def load_kinds() -> KindsConfig:
    """The gate's cues and thresholds, validated once; a bad file names the field."""
    path = resources.files("scorer").joinpath("data/kinds.toml")
    try:
        return KindsConfig.model_validate(tomllib.loads(path.read_text("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: field {loc}: {first['msg']}") from None


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def _terms_regex(pattern: str, keywords: tuple[str, ...]) -> re.Pattern[str]:
    """`pattern` or any of the rubric keywords, longest keyword first."""
    words = sorted(set(keywords), key=len, reverse=True)
    return re.compile("|".join([f"(?:{pattern})", *map(re.escape, words)]))


def _outline_keywords(outline: Outline) -> tuple[str, ...]:
    return tuple(k for d in outline.dimensions for k in d.keywords)


@dataclass(frozen=True)
class _View:
    """The places cues are looked for: spans of the normalized text and removed chrome lines."""

    title: tuple[tuple[int, int], ...]
    headings: tuple[tuple[int, int], ...]
    head_end: int
    tail_start: int
    removed: tuple[str, ...]


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line, whitespace trimmed."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group(0)
        lead = len(line) - len(line.lstrip())
        if line.strip():
            spans.append((m.start() + lead, m.start() + len(line.rstrip())))
    return spans


def _heading_span(text: str, start: int, end: int, max_chars: int) -> tuple[int, int] | None:
    """The heading part of a line, if the line is a heading: numbered, or short and unpunctuated."""
    line = text[start:end]
    if TOP_HEADING.match(line) or SUB_HEADING.match(line):
        cut = _HEADING_CUT.search(line)
        return start, start + min(cut.start() if cut else len(line), max_chars)
    if 4 <= len(line) <= 30 and not _LINE_END_PUNCT.search(line) and not re.search(r"[。；]", line):
        return start, end
    return None


def _view(doc: Document, scopes: _Scopes) -> _View:
    text = doc.text
    lines = _line_spans(text)
    titles = [
        (a, b)
        for a, b in lines[: scopes.title_lines]
        if b - a <= scopes.title_max_chars
        and not re.search(r"[。；]", text[a:b])
        and not (TOP_HEADING.match(text[a:b]) or SUB_HEADING.match(text[a:b]))
    ]
    headings = [
        h
        for a, b in lines
        if (a, b) not in titles and (h := _heading_span(text, a, b, scopes.heading_max_chars))
    ]
    return _View(
        title=tuple(titles),
        headings=tuple(headings),
        head_end=min(len(text), scopes.head_chars),
        tail_start=max(0, len(text) - scopes.tail_chars),
        removed=tuple(r.text for r in doc.norm.removed),
    )


def _shorten(passage: str) -> str:
    passage = re.sub(r"\s+", " ", passage).strip()
    return passage if len(passage) <= _QUOTE_MAX else passage[: _QUOTE_MAX - 1] + "…"


def _printed(doc: Document, start: int, end: int) -> str:
    """The passage as printed in the original (traditional script included), at most 20 characters."""
    ostart, oend = doc.norm.to_original(start, end)
    return _shorten(doc.norm.original[ostart:oend])


def _hits(doc: Document, view: _View, scope: Scope, regex: re.Pattern[str]) -> tuple[int, str]:
    """How many times `regex` hits in `scope`, and the first hit as printed."""
    text = doc.text
    if scope == "removed":
        lines = [line for line in view.removed if regex.search(line)]
        return len(lines), _shorten(lines[0]) if lines else ""
    if scope in ("title", "headings"):
        spans = view.title if scope == "title" else view.headings
        found = [(a, b) for a, b in spans if regex.search(text, a, b)]
        return len(found), _printed(doc, *found[0]) if found else ""
    start, end = {"head": (0, view.head_end), "tail": (view.tail_start, len(text))}.get(scope, (0, len(text)))
    matches = [m for m in regex.finditer(text, start, end) if m.end() > m.start()]
    return len(matches), _printed(doc, matches[0].start(), matches[0].end()) if matches else ""


def _cue_signals(doc: Document, view: _View, cue: _Cue, rule_of_law: re.Pattern[str]) -> list[Signal]:
    regex = rule_of_law if cue.pattern == _RULE_OF_LAW else _regex(cue.pattern)
    count, quote = _hits(doc, view, cue.scope, regex)
    if not count:
        return []
    reason = cue.reason.format(quote=quote, count=count)
    return [Signal(kind=k, name=cue.name, weight=cue.total(k, count), reason=reason) for k in cue.weights]


def _share_signals(sentences: list[str], share: _Share, keywords: tuple[str, ...]) -> list[Signal]:
    regex = _terms_regex(share.pattern, keywords) if share.use_outline_keywords else _regex(share.pattern)
    total = [s for s in sentences if len(s) >= share.min_chars]
    if not total:
        return []
    hits = sum(1 for s in total if regex.search(s))
    ratio = hits / len(total)
    weight = round(max(share.low, min(share.high, (ratio - share.pivot) * share.gain)), 2)
    if weight == 0:
        return []
    reason = share.reason.format(share=round(ratio * 100), hits=hits, total=len(total))
    return [Signal(kind=k, name=share.name, weight=weight, reason=reason) for k in share.kinds]


def _vocabulary_signals(text: str, vocab: _Vocabulary, keywords: tuple[str, ...]) -> list[Signal]:
    distinct = set(keywords)
    if not distinct:
        return []
    used = len(set(_terms_regex("(?!x)x", keywords).findall(text)) & distinct)
    ratio = used / len(distinct)
    weight = round(max(vocab.low, min(vocab.high, (ratio - vocab.pivot) * vocab.gain)), 2)
    if weight == 0:
        return []
    reason = vocab.reason.format(share=round(ratio * 100), hits=used, total=len(distinct))
    return [Signal(kind="annual_report", name="vocabulary", weight=weight, reason=reason)]


def signals(doc: Document, outline: Outline) -> list[Signal]:
    """Every signal the document gives, for every kind (pure; for tests and `scorer inspect`)."""
    cfg = load_kinds()
    keywords = _outline_keywords(outline)
    view = _view(doc, cfg.scopes)
    rule_of_law = _terms_regex(cfg.headings.rule_of_law, keywords)
    found = [s for cue in cfg.cues for s in _cue_signals(doc, view, cue, rule_of_law)]
    sentences = [s.strip() for s in _SENTENCE_SPLIT.split(doc.text)]
    found += [s for share in cfg.shares for s in _share_signals(sentences, share, keywords)]
    found += _vocabulary_signals(doc.text, cfg.vocabulary, _outline_keywords(outline))
    return found


def _decide(scores: dict[str, float], decision: _Decision) -> Kind:
    """Highest score wins; an annual report must also clear its minimum and lead by the margin."""
    ranked = sorted(SCORED_KINDS, key=lambda k: -scores[k])
    best: Kind = ranked[0]
    if best == "annual_report":
        lead = scores[best] - scores[ranked[1]]
        if scores[best] >= decision.annual_min and lead >= decision.annual_margin:
            return best
        best = ranked[1]
    return best if scores[best] >= decision.other_min else "other"


def _evidence(found: list[Signal], kind: Kind) -> tuple[Signal, ...]:
    """The chosen kind's signals, plus what speaks against an annual report when it is not one."""
    if kind == "annual_report":
        chosen = [s for s in found if s.kind == kind]
    else:
        against = [s for s in found if s.kind == "annual_report" and (s.weight < 0 or kind == "other")]
        chosen = [s for s in found if s.kind == kind and s.weight > 0]
        said = {s.reason for s in chosen}
        chosen += [s for s in against if s.reason not in said]
    return tuple(sorted(chosen, key=lambda s: -abs(s.weight)))


def classify(doc: Document, outline: Outline) -> KindDecision:
    """Decide what kind of document `doc` is, from many independent signals (pure)."""
    cfg = load_kinds()
    found = signals(doc, outline)
    scores = {k: round(sum(s.weight for s in found if s.kind == k), 2) for k in SCORED_KINDS}
    kind = _decide(scores, cfg.decision)
    return KindDecision(kind=kind, label=cfg.labels[kind], scores=scores, evidence=_evidence(found, kind))
