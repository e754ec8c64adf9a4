"""The offline extractor: fills the same ReportExtraction as the LLM, with keywords and cue words.

Sentences go to the dimensions whose rubric keywords they contain (where keywords of two
dimensions overlap in the text, the longer one wins, as the rubric's overlap rules say);
evidence is the sentence itself and its figures come from the regex baseline, so everything
this backend reports is grounded by construction. Shortcomings and plans come from headed
sections (存在的问题, 工作打算 …) or, in reports without such headings, from closing
paragraphs with the same cue words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from scorer.chunking import TOP_HEADING
from scorer.figures import FigureScan, scan, trie_regex
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.schema import ReportExtraction, chunk_model, merge_chunks

PROBLEM_HEADING = re.compile(r"问题|不足|困难|短板|差距|薄弱")
PLAN_HEADING = re.compile(
    r"下一步|打算|规划|计划|安排|思路|下一年|今后|努力方向|(?:19|20)\d{2}年(?:度)?工作(?:要点|重点)"
)
PROBLEM_PARAGRAPH = re.compile(
    r"(?:存在|还有|仍有|面临)(?:着)?(?:一定的|一些|不少|以下)?(?:问题|不足|差距|短板|困难)|主要表现在|有待(?:进一步)?(?:加强|提升|提高|完善)"
)
PLAN_PARAGRAPH = re.compile(r"下一步|今后|下一年|明年|将(?:继续|进一步|坚持|持续|着力)")
CAUSE = re.compile(r"原因|由于|因为|究其|根源|导致|造成|受制于|主要在于")
LEADER = re.compile(r"第一责任人|主要负责人|一把手|述法|四个亲自")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_ORDINAL = re.compile(
    r"^(?:[(（][一二三四五六七八九十\d]+[)）]|\d+[.．、]|[一二三四五六七八九十]+[、是]|第[一二三四五六七八九十]+[,，、])"
)
_CLAUSE = re.compile(r"[,，。；;:：]")
CLOSING_SHARE = 0.6
MIN_SENTENCE_CHARS = 10  # shorter pieces are sub-headings such as "1.加强党的领导。"


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    section: str  # "work", "problems" or "plans"


def _sections(doc: Document) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, line, kind) for every line: kind is heading, work, problems or plans.

    Headed reports switch section at top-level headings. Closing paragraphs in the last 40% of
    a report that has no problems heading are recognised by cue words: a paragraph admitting
    shortcomings, then paragraphs announcing next year's work.
    """
    text = doc.text
    has_top = any(TOP_HEADING.match(line) for line in text.split("\n"))
    section = "work"
    closing = False
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        heading = TOP_HEADING.match(line) if has_top else (len(line) <= 30 and not re.search(r"[。；]", line))
        if heading:
            title = line[:40]
            section = (
                "problems"
                if PROBLEM_HEADING.search(title)
                else "plans"
                if PLAN_HEADING.search(title)
                else "work"
            )
            closing = False
            yield start, end, line, "heading"
            continue
        if (
            section == "work"
            and not closing
            and start >= len(text) * CLOSING_SHARE
            and PROBLEM_PARAGRAPH.search(line[:120])
        ):
            closing = True
            yield start, end, line, "problems"
            continue
        if closing and PLAN_PARAGRAPH.search(line[:80]):
            section = "plans"
        yield start, end, line, section


def sentences(doc: Document) -> list[Sentence]:
    out: list[Sentence] = []
    for start, _end, line, section in _sections(doc):
        if section == "heading":
            continue
        for m in _SENTENCE.finditer(line):
            piece = m.group().strip()
            if len(_ORDINAL.sub("", piece).strip("。；;!！?？ ")) < MIN_SENTENCE_CHARS:
                continue
            lead = m.group().index(piece[0])
            out.append(
                Sentence(start + m.start() + lead, start + m.start() + lead + len(piece), piece, section)
            )
    return out


@cache
def _keyword_index(
    rubric_key: tuple[str, str], keywords: tuple[tuple[str, str], ...]
) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex for all keywords (a trie, longest first at each position) and keyword → dimension."""
    owner = dict(keywords)
    return re.compile(f"(?=({trie_regex(list(owner))}))"), owner


def keyword_index(outline: Outline) -> tuple[re.Pattern[str], dict[str, str]]:
    pairs = tuple((kw, dim.id) for dim in outline.dimensions for kw in dim.keywords)
    return _keyword_index((outline.id, outline.sha256), pairs)


def _keyword_hits(sentence: str, index: tuple[re.Pattern[str], dict[str, str]]) -> dict[str, list[str]]:
    """Dimensions whose keywords occur; a match inside a longer match of another dimension is dropped."""
    pattern, owner = index
    matches = [
        (m.start(), m.start() + len(m.group(1)), owner[m.group(1)], m.group(1))
        for m in pattern.finditer(sentence)
    ]
    kept: dict[str, list[str]] = {}
    for s, e, dim_id, kw in matches:
        shadowed = any(
            s2 <= s and e <= e2 and (e2 - s2) > (e - s) and d2 != dim_id for s2, e2, d2, _ in matches
        )
        if not shadowed:
            kept.setdefault(dim_id, []).append(kw)
    return kept


def summarize(sentence: str) -> str:
    """A short label: the first substantial clause without its list ordinal, at most 20 characters."""
    body = _ORDINAL.sub("", sentence).strip()
    clauses = [c.strip() for c in _CLAUSE.split(body) if c.strip()]
    substantial = [c for c in clauses if len(c) >= 6 and not re.fullmatch(r"[\d年月日度以来今同时此外]+", c)]
    return (substantial or clauses or [body])[0][:20]


def _what(text: str, sentence_start: int, figure_start: int) -> str:
    """What a figure counts: the words of its clause before it (办理法律援助案件 | 839件)."""
    before = text[sentence_start:figure_start]
    clause = _CLAUSE.split(before)[-1]
    return _ORDINAL.sub("", clause).strip()[-16:]


def _chunk_of(starts: list[int], position: int) -> int:
    return max(0, bisect_right(starts, position) - 1)


def extract_rules(doc: Document, outline: Outline, baseline: FigureScan | None = None) -> ReportExtraction:
    """Fill a ReportExtraction from keywords, cue words and the figure baseline; no model involved."""
    baseline = baseline or scan(doc.text)
    model = chunk_model(outline)
    per_chunk: dict[int, dict[str, list[dict]]] = {}
    all_sentences = sentences(doc)
    index = keyword_index(outline)
    chunk_starts = [c.start for c in doc.chunks]
    field_names = list(model.model_fields)
    problems = [s for s in all_sentences if s.section == "problems"]
    causes = [s for s in problems if CAUSE.search(s.text)]
    for sent in all_sentences:
        fields = per_chunk.setdefault(_chunk_of(chunk_starts, sent.start), {name: [] for name in field_names})
        if sent.section == "problems":
            if sent in causes:
                continue
            fields["shortcomings"].append(
                {
                    "text": summarize(sent.text),
                    "evidence": sent.text,
                    "causes": causes[0].text if causes else "",
                }
            )
            continue
        if sent.section == "plans":
            fields["plans"].append({"text": summarize(sent.text), "evidence": sent.text})
            continue
        if LEADER.search(sent.text):
            fields["leader_duties"].append({"text": summarize(sent.text), "evidence": sent.text})
        figures = [{"surface": f.surface, "what": ""} for f in baseline.within(sent.start, sent.end)]
        for dim_id in _keyword_hits(sent.text, index):
            fields[dim_id].append(
                {"summary": summarize(sent.text), "evidence": sent.text, "figures": figures}
            )
    results = {index: model(**fields) for index, fields in per_chunk.items()}
    merged = merge_chunks(outline, results, backend="rules", model=None)
    merged.chunks = len(doc.chunks)
    return merged
