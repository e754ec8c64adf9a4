"""The validity suite's figures, one row per document: does the score follow the work described?

Run:  python benchmarks/validity.py [--markdown]
Old code (a "before" column):  git worktree add /tmp/before HEAD
      PYTHONPATH=/tmp/before python benchmarks/validity.py --markdown

Rules backend only (no network). Columns, for each seed report and each government work report
(tests/data/negatives/): the kind the scorer gives it, whether it is graded, its total; then, on
its normalized text: the worst change of the total when one top-level section is removed (> 0
means removing text raised the score), how many sections with credited measures lose points in
their own dimension when removed, the share of dimension points lost when every work sentence is
rewritten as a plan or negated, the largest gain from saying everything twice or reordering
sentences (3 shuffles), and the total of the headings alone. Last, the gamed texts: keyword soup
and keyword soup dressed as a report, under each rubric. The transforms are those of the tests
(tests/validity/transforms.py). Code without `assess_text` (before the document gate) is driven
through prepare → extract_rules → assess; its kind is the metadata's and every document is graded.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import scorer
from scorer.outline import load_outline

ROOT = Path(__file__).resolve().parent.parent
TRANSFORMS = ROOT / "tests" / "validity" / "transforms.py"


def _load_transforms() -> ModuleType:
    """The tests' transforms, loaded by path: this script's own name, validity, hides the package, and
    tests/ must not go on sys.path ahead of a PYTHONPATH that selects the code measured."""
    spec = importlib.util.spec_from_file_location("validity_transforms", TRANSFORMS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


T = _load_transforms()
REPORTS = ROOT / "tests" / "data" / "reports"
NEGATIVES = ROOT / "tests" / "data" / "negatives"
OUTLINES = ("outline-2015", "outline-2021")
SHUFFLE_SEEDS = (1, 2, 3)


def _make_assess() -> Callable[[str], tuple[str, Any, str]]:
    """text → (normalized text, card, kind), with whichever API the code measured has."""
    try:
        from scorer.assess import Options, assess_text
    except ImportError:
        return _assess_old

    def run(text: str) -> tuple[str, Any, str]:
        a = assess_text(text, Options(backend="rules"))
        return a.doc.text, a.card, a.card.kind.kind

    return run


def _assess_old(text: str) -> tuple[str, Any, str]:
    """The pipeline before `assess_text` existed, as assess_file ran it."""
    from scorer.assess import assess, choose_outline
    from scorer.figures import scan
    from scorer.ingest import RawDocument
    from scorer.pipeline import prepare
    from scorer.rules import extract_rules

    doc = prepare(RawDocument("<text>", text, "utf-8", False))
    outline = choose_outline("auto", doc)
    baseline = scan(doc.text)
    card = assess(doc, outline, extract_rules(doc, outline, baseline), "auto", baseline)
    return doc.text, card, f"{doc.metadata.kind} (metadata)"


ASSESS = _make_assess()
_CACHE: dict[str, tuple[str, Any, str]] = {}


def assessed(text: str) -> tuple[str, Any, str]:
    if text not in _CACHE:
        _CACHE[text] = ASSESS(text)
    return _CACHE[text]


def card_of(text: str) -> Any:
    return assessed(text)[1]


def dimension_points(card: Any) -> float:
    return sum(d.score for d in card.dimensions)


@dataclass
class Row:
    name: str
    kind: str
    graded: bool
    total: float
    worst_ablation: float | None = None
    lowers: str = "—"
    plans_loss: float | None = None
    negated_loss: float | None = None
    duplicated_gain: float | None = None
    shuffled_gain: float | None = None
    headings_total: float | None = None


def ablations(text: str) -> tuple[float | None, str]:
    """Worst Δ total over section removals, and k/n sections whose removal lowers their dimension."""
    base = card_of(text)
    scores = {d.id: d.score for d in base.dimensions}
    deltas, lowered, about_n = [], 0, 0
    for i, section in enumerate(T.sections(text)):
        after = card_of(T.remove_section(text, i))
        deltas.append(after.total - base.total)
        dim = T.section_dimension(base, section)
        if dim is not None:
            about_n += 1
            lowered += next(d.score for d in after.dimensions if d.id == dim) < scores[dim] - 1e-9
    return (max(deltas) if deltas else None), (f"{lowered}/{about_n}" if about_n else "—")


def loss(text: str, rewrite: Callable[[str], str]) -> float | None:
    """Share of dimension points lost under a rewrite, in %."""
    before = dimension_points(card_of(text))
    return 100 * (1 - dimension_points(card_of(rewrite(text))) / before) if before else None


def document_row(name: str, raw: str) -> Row:
    text, card, kind = assessed(raw)
    base = card_of(text).total
    worst, lowers = ablations(text)
    return Row(
        name=name,
        kind=kind,
        graded=getattr(card, "graded", True),
        total=card.total,
        worst_ablation=worst,
        lowers=lowers,
        plans_loss=loss(text, T.as_plans),
        negated_loss=loss(text, T.negated),
        duplicated_gain=card_of(T.duplicated(text)).total - base,
        shuffled_gain=max(card_of(T.shuffled(text, s)).total - base for s in SHUFFLE_SEEDS),
        headings_total=card_of(T.headings_only(text)).total,
    )


def gamed_rows() -> list[Row]:
    rows = []
    for outline_id in OUTLINES:
        outline = load_outline(outline_id)
        for name, make in (("keyword_soup", T.keyword_soup), ("keyword_soup_plus", T.keyword_soup_plus)):
            _, card, kind = assessed(make(outline))
            rows.append(Row(f"{name} ({outline_id})", kind, getattr(card, "graded", True), card.total))
    return rows


def all_rows() -> list[Row]:
    docs = [(p.stem.split("_")[0], p) for p in sorted(REPORTS.glob("*.txt"))]
    docs += [(p.stem, p) for p in sorted(NEGATIVES.glob("*.txt"))]
    return [document_row(name, path.read_text(encoding="utf-8")) for name, path in docs] + gamed_rows()


HEADERS = (
    "document",
    "kind",
    "graded",
    "total",
    "worst Δ ablation",
    "ablation lowers dim",
    "as_plans loss %",
    "negated loss %",
    "duplicated gain",
    "shuffled gain",
    "headings-only total",
)


def _fmt(value: float | str | bool | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def cells(row: Row) -> list[str]:
    return [
        row.name,
        row.kind,
        _fmt(row.graded),
        _fmt(row.total),
        _fmt(row.worst_ablation, signed=True),
        row.lowers,
        _fmt(row.plans_loss),
        _fmt(row.negated_loss),
        _fmt(row.duplicated_gain, signed=True),
        _fmt(row.shuffled_gain, signed=True),
        _fmt(row.headings_total),
    ]


def code_measured() -> str:
    """Which scorer was measured: its directory, commit and whether scorer/ or rubrics/ had edits."""
    where = Path(scorer.__file__).resolve().parent.parent
    git = ["git", "-C", str(where)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "scorer", "rubrics"], capture_output=True, text=True
    )
    state = " + uncommitted edits" if dirty.stdout.strip() else ""
    return f"{where} @ {commit.stdout.strip() or 'unknown'}{state}"


def render(rows: list[Row], markdown: bool) -> str:
    table = [list(HEADERS), *(cells(r) for r in rows)]
    head = f"Validity figures (rules backend) — code: {code_measured()}"
    if markdown:
        lines = [f"# {head}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(c) + " |" for c in table[1:]]
        return "\n".join(lines) + "\n"
    widths = [max(_width(r[i]) for r in table) for i in range(len(HEADERS))]
    padded = ("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)) for r in table)
    body = [line.rstrip() for line in padded]
    return "\n".join([head, "", *body]) + "\n"


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    sys.stdout.write(render(all_rows(), args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
