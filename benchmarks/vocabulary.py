"""How well the rubrics' keywords cover the seed reports, and how often they fire on work reports.

Run: python benchmarks/vocabulary.py [--rubric outline-2015] [--quiet] [--show KEYWORD ...]

For each rubric (outline-2015, outline-2021):

(a) coverage misses: sentences of the seed reports (tests/data/reports/) that stand under a
    heading clearly about dimension X (the innermost heading whose title names exactly one
    dimension: 组织领导 → leadership, 决策 → decisions, …) but contain no keyword of X. A miss
    that contains no keyword of any dimension is an "orphan"; one that matches another
    dimension may be a measure the overlap rules rightly assign elsewhere.
(b) keyword hits per keyword, counted as the sentences in which the keyword survives the
    longest-match rule, over the seeds and over the six government work reports in
    ../shared/negatives/ (not rule-of-law reports). Keywords that fire mostly on the
    negatives are suspects for firing out of context.

--show KEYWORD prints every hit of that keyword with context, to check for hits inside
proper names (三一智慧…) or out of context.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorer.outline import load_outline  # noqa: E402
from scorer.pipeline import load_document  # noqa: E402

SEEDS = sorted((ROOT / "tests/data/reports").glob("*.txt"))
NEGATIVES_DIR = Path("/work/shared/negatives")
if not NEGATIVES_DIR.is_dir():
    NEGATIVES_DIR = ROOT.parent / "shared/negatives"
NEGATIVES = sorted(p for p in NEGATIVES_DIR.glob("*.txt"))

# --- sentence split and keyword matching: the scorer's own if importable, else a fallback ----
# scorer/rules.py is being reorganised: try the new modules (scorer.sentences, scorer.keywords),
# then the old rules API, then a plain regex split and a local longest-match.
_new_split = _new_hits = _rule_sentences = keyword_index = _keyword_hits = None
with contextlib.suppress(Exception):
    from scorer.sentences import split_sentences as _new_split
with contextlib.suppress(Exception):
    from scorer.keywords import hits as _new_hits
try:
    from scorer.rules import _keyword_hits, keyword_index
    from scorer.rules import sentences as _rule_sentences
except Exception:
    pass
SPLITTER = "scorer.sentences" if _new_split else "scorer.rules" if _rule_sentences else "regex fallback"
MATCHER = "scorer.keywords" if _new_hits else "scorer.rules" if _keyword_hits else "local fallback"

try:
    from scorer.chunking import SUB_HEADING, TOP_HEADING
except Exception:
    _N = "一二三四五六七八九十"
    TOP_HEADING = re.compile(rf"^(?:[{_N}]{{1,3}}、|第[{_N}]{{1,3}}部分|#{{1,2}}\s)")
    SUB_HEADING = re.compile(rf"^(?:[(（][{_N}]{{1,3}}[)）]|\d{{1,2}}[.．、](?!\d)|#{{3,6}}\s)")

_SPLIT = re.compile(r"[^。；！？\n]+[。；！？]?")


def split_sentences(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, text, section) for every sentence; section is work, problems or plans."""
    if _new_split is not None:
        try:
            return [(x.start, x.end, x.text, x.section) for x in _new_split(text) if not x.heading]
        except Exception:
            pass
    if _rule_sentences is not None:
        try:
            from scorer.pipeline import Document  # noqa: F401

            return [(s.start, s.end, s.text, s.section) for s in _rule_sentences(_DOC[text])]
        except Exception:
            pass
    out = []
    for m in _SPLIT.finditer(text):
        piece = m.group().strip()
        if len(piece) >= 10:
            lead = m.group().index(piece[0])
            out.append((m.start() + lead, m.start() + lead + len(piece), piece, "work"))
    return out


_DOC: dict[str, object] = {}


def make_index(outline):
    owner = {kw: dim.id for dim in outline.dimensions for kw in dim.keywords}
    if _new_hits is not None:
        try:
            _new_hits("", outline)
            return lambda s: _new_hits(s, outline), owner
        except Exception:
            pass
    if keyword_index is not None and _keyword_hits is not None:
        try:
            index = keyword_index(outline)
            return lambda s: _keyword_hits(s, index), owner
        except Exception:
            pass
    words = sorted(owner, key=len, reverse=True)
    pattern = re.compile("(?=(" + "|".join(re.escape(w) for w in words) + "))")

    def hits(sentence: str) -> dict[str, list[str]]:
        matches = [
            (m.start(), m.start() + len(m.group(1)), owner[m.group(1)], m.group(1))
            for m in pattern.finditer(sentence)
        ]
        kept: dict[str, list[str]] = {}
        for s, e, d, kw in matches:
            if not any(s2 <= s and e <= e2 and e2 - s2 > e - s and d2 != d for s2, e2, d2, _ in matches):
                kept.setdefault(d, []).append(kw)
        return kept

    return hits, owner


# --- which dimension a heading is clearly about --------------------------------------------
# Concepts, then concept → dimension per rubric (2021 folds capacity into leadership and puts
# enforcement supervision under oversight; 2015 has no emergencies/technology dimension).
CONCEPTS = {
    "enforcement_supervision": r"执法监督",
    "leadership": r"组织领导|党的领导|推进机制|第一责任人|法治建设责任|工作保障|示范创建|法治政府创建"
    r"|督查考核|考核评价|督察",
    "capacity": r"法治思维|依法行政能力|学法|普法|法治宣传|法治素养|关键少数|思想学习|理论学习|法治能力"
    r"|全民守法|法治氛围",
    "functions": r"政府职能|职能体系|行政审批|放管服|营商环境|市场监管|社会治理|权力清单|责任清单|法律服务"
    r"|政务服务|结构配置",
    "institutions": r"制度体系|立法|规范性文件|制发程序",
    "decisions": r"决策",
    "enforcement": r"执法",
    "oversight": r"监督|制约|政务公开|权力运行",
    "disputes": r"矛盾|纠纷|争议|复议|应诉|调解|信访",
    "emergencies": r"突发事件|应急|疫情",
    "technology": r"科技保障|数字|信息化",
}
CONCEPT_TO_DIM = {
    "outline-2015": {
        "enforcement_supervision": "enforcement",
        "emergencies": "functions",
        "technology": None,
    },
    "outline-2021": {"enforcement_supervision": "oversight", "capacity": "leadership"},
}


def heading_dimension(title: str, rubric: str, dims: set[str]) -> str | None:
    found = set()
    rest = title
    for concept, pattern in CONCEPTS.items():
        if re.search(pattern, rest):
            dim = CONCEPT_TO_DIM.get(rubric, {}).get(concept, concept)
            if dim in dims:
                found.add(dim)
            rest = re.sub(pattern, "", rest)  # 执法监督 must not count again as 执法 and 监督
    return found.pop() if len(found) == 1 else None


def heading_spans(text: str) -> list[tuple[int, int, list[str], int]]:
    """(line start, line end, [outer title, inner title, …], end of this line's own title or -1)."""
    lines = text.split("\n")
    has_top = any(TOP_HEADING.match(line) for line in lines)
    stack: list[tuple[int, str]] = []  # (level, title)
    out, pos = [], 0
    for line in lines:
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        level = None
        title_end = -1
        if has_top and TOP_HEADING.match(stripped):
            level = 0
        elif SUB_HEADING.match(stripped):
            level = 2 if re.match(r"^\d", stripped) else 1
        elif not has_top and 0 < len(stripped) <= 30 and not re.search(r"[。；，,]", stripped):
            level = 0
        if level is not None:
            title = re.split(r"[。；]", stripped, maxsplit=1)[0][:40]
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            title_end = start + len(line) - len(line.lstrip()) + len(title)
        out.append((start, end, [t for _, t in stack], title_end))
    return out


def sentence_dimension(titles: list[str], rubric: str, dims: set[str]) -> str | None:
    for title in reversed(titles):
        dim = heading_dimension(title, rubric, dims)
        if dim:
            return dim
    return None


def load_texts(paths: list[Path]) -> list[tuple[str, str]]:
    out = []
    for p in paths:
        doc = load_document(p)
        _DOC[doc.text] = doc
        out.append((p.name, doc.text))
    return out


def analyse(rubric: str, seeds, negatives, quiet: bool, show: list[str]) -> dict:
    outline = load_outline(rubric)
    dims = {d.id for d in outline.dimensions}
    hits_of, owner = make_index(outline)
    print(f"\n################ {rubric} ({sum(len(d.keywords) for d in outline.dimensions)} keywords)")

    # (a) coverage misses
    misses = Counter()
    orphans = Counter()
    judged = Counter()
    for name, text in seeds:
        spans = heading_spans(text)
        starts = [s for s, _, _, _ in spans]
        listing = []
        for start, _end, sentence, section in split_sentences(text):
            if section != "work":
                continue
            i = max(0, next((k for k, s in enumerate(starts) if s > start), len(starts)) - 1)
            if spans[i][3] >= 0 and start < spans[i][3]:
                continue  # the heading's own title is not a measure
            dim = sentence_dimension(spans[i][2], rubric, dims)
            if not dim:
                continue
            judged[dim] += 1
            hits = hits_of(sentence)
            if dim in hits:
                continue
            misses[dim] += 1
            if not hits:
                orphans[dim] += 1
            listing.append((dim, sorted(hits), sentence))
        if listing and not quiet:
            print(f"\n== {name}: sentences under a {{dim}} heading with no {{dim}} keyword ({len(listing)})")
            for dim, other, sentence in listing:
                tag = "ORPHAN" if not other else "→" + ",".join(other)
                print(f"  [{dim}] {tag:<22} {sentence[:110]}")
    print("\n(a) coverage misses on seeds (sentences under a heading clearly about the dimension)")
    print(f"  {'dimension':<14}{'judged':>7}{'miss':>6}{'orphan':>8}")
    for dim in [d.id for d in outline.dimensions]:
        print(f"  {dim:<14}{judged[dim]:>7}{misses[dim]:>6}{orphans[dim]:>8}")
    print(f"  {'TOTAL':<14}{sum(judged.values()):>7}{sum(misses.values()):>6}{sum(orphans.values()):>8}")

    # (b) hits per keyword, seeds vs negatives (sentences in which the keyword survives)
    def count(corpus):
        per_kw: Counter = Counter()
        per_dim: Counter = Counter()
        examples = defaultdict(list)
        for name, text in corpus:
            for _s, _e, sentence, _sec in split_sentences(text):
                for dim, kws in hits_of(sentence).items():
                    per_dim[dim] += 1
                    for kw in set(kws):
                        per_kw[kw] += 1
                        if kw in show:
                            examples[kw].append((name, sentence))
        return per_kw, per_dim, examples

    seed_kw, seed_dim, seed_ex = count(seeds)
    neg_kw, neg_dim, neg_ex = count(negatives)
    seed_chars = sum(len(t) for _, t in seeds)
    neg_chars = sum(len(t) for _, t in negatives)
    print(
        f"\n(b) keyword hits (sentences) — seeds {seed_chars} chars, negatives {neg_chars} chars; "
        "rate = hits per 10k chars"
    )
    rows = []
    for kw, dim in owner.items():
        s, n = seed_kw[kw], neg_kw[kw]
        sr, nr = s / seed_chars * 1e4, n / neg_chars * 1e4
        rows.append((dim, kw, s, n, sr, nr))
    suspects = [r for r in rows if r[3] >= 3 and r[5] >= r[4] * 0.5]
    print(f"  suspects (≥3 negative hits and negative rate ≥ half the seed rate): {len(suspects)}")
    for dim, kw, s, n, sr, nr in sorted(suspects, key=lambda r: -r[5]):
        print(f"    {dim:<13}{kw:<14} seeds {s:>3} ({sr:5.2f})  negatives {n:>4} ({nr:5.2f})")
    if not quiet:
        print("  all keywords:")
        for dim in [d.id for d in outline.dimensions]:
            cells = [f"{kw} {s}/{n}" for d, kw, s, n, _, _ in rows if d == dim]
            print(f"    {dim:<13} " + "  ".join(cells))
        unused = [kw for _, kw, s, _, _, _ in rows if s == 0]
        print(f"  keywords with no hit on the seeds: {len(unused)}")
    print("  sentences hit per dimension   seeds / negatives (rate per 10k chars)")
    for dim in [d.id for d in outline.dimensions]:
        print(
            f"    {dim:<13} {seed_dim[dim]:>4} ({seed_dim[dim] / seed_chars * 1e4:5.1f}) / "
            f"{neg_dim[dim]:>5} ({neg_dim[dim] / neg_chars * 1e4:5.1f})"
        )
    total_neg = sum(neg_dim.values())
    print(f"    {'TOTAL':<13} {sum(seed_dim.values()):>4} / {total_neg:>5}")
    for kw in show:
        for label, ex in (("seeds", seed_ex), ("negatives", neg_ex)):
            for name, sentence in ex.get(kw, []):
                i = sentence.find(kw)
                print(f"  show {kw} [{label}] {name[:12]}: …{sentence[max(0, i - 25) : i + len(kw) + 25]}…")
    return {
        "misses": sum(misses.values()),
        "orphans": sum(orphans.values()),
        "judged": sum(judged.values()),
        "neg_hits": total_neg,
        "seed_hits": sum(seed_dim.values()),
        "suspects": len(suspects),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rubric", action="append", help="rubric id (default: both)")
    ap.add_argument("--quiet", action="store_true", help="only the summary tables")
    ap.add_argument("--show", nargs="*", default=[], help="print every hit of these keywords")
    args = ap.parse_args()
    print(f"sentences: {SPLITTER}; keyword matching: {MATCHER}")
    seeds = load_texts(SEEDS)
    negatives = load_texts(NEGATIVES)
    summary = {
        r: analyse(r, seeds, negatives, args.quiet, args.show)
        for r in (args.rubric or ["outline-2015", "outline-2021"])
    }
    print("\nSUMMARY")
    for rubric, s in summary.items():
        print(
            f"  {rubric}: coverage misses {s['misses']}/{s['judged']} (orphans {s['orphans']}); "
            f"sentence-dimension hits seeds {s['seed_hits']}, negatives {s['neg_hits']}; "
            f"suspects {s['suspects']}"
        )


if __name__ == "__main__":
    main()
