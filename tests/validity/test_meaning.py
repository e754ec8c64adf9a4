"""What a score means, tested by changing what a report says (rules backend).

A score is valid when it follows the work a report describes: take a section away and the
dimension it is about must lose points; say the same words as plans or negations and the points
must go; repeat or reorder sentences and nothing may be gained; headings, keyword lists and
government work reports are not annual reports. Variants are built from the normalized text of
each seed (what the scorer reads), so quote offsets line up with `sections()`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from scorer.assess import Assessment, Options, assess_text
from scorer.normalize import normalize
from scorer.outline import load_outline
from scorer.rubric import ScoreCard
from validity.transforms import (
    as_plans,
    duplicated,
    headings_only,
    keyword_soup,
    keyword_soup_plus,
    negated,
    remove_section,
    section_dimension,
    sections,
    shuffled,
)

TESTS = Path(__file__).resolve().parent.parent
REPORTS = TESTS / "data" / "reports"
NEGATIVES = TESTS / "data" / "negatives"
ANNUAL_SEEDS = ("000", "001", "002", "004")
EVALUATION_SEED = "003"
OUTLINES = ("outline-2015", "outline-2021")
RULES = Options(backend="rules")
EPS = 1e-9


NEGATIVE_FILES = sorted(NEGATIVES.glob("*.txt"))  # government work reports: not annual reports
_YEAR = re.compile(r"\d{4}")
# ASCII test ids (pytest escapes Chinese file names): work_report<i>_<first year in the name>.
NEGATIVE_IDS = [f"work_report{i}_{''.join(_YEAR.findall(p.stem)[:1])}" for i, p in enumerate(NEGATIVE_FILES)]


def raw_seed(seed: str) -> str:
    return next(REPORTS.glob(f"{seed}_*.txt")).read_text(encoding="utf-8")


@cache
def assessed(text: str) -> Assessment:
    return assess_text(text, RULES)


def card_of(text: str) -> ScoreCard:
    return assessed(text).card


@cache
def report(seed: str) -> str:
    """The seed as the scorer reads it (normalized text): the base of every variant."""
    return assessed(raw_seed(seed)).doc.text


def dimension_points(card: ScoreCard) -> float:
    return sum(d.score for d in card.dimensions)


def dimension_scores(card: ScoreCard) -> dict[str, float]:
    return {d.id: d.score for d in card.dimensions}


def statuses(card: ScoreCard) -> dict[str, str]:
    return {r.id: r.status for r in card.required}


def _sections_of_kind(kind: str) -> list[tuple[str, int]]:
    """(seed, section index) for headed sections of a kind, found at collection time."""
    return [
        (seed, i)
        for seed in ANNUAL_SEEDS
        for i, s in enumerate(sections(normalize(raw_seed(seed)).text))
        if s.kind == kind
    ]


PROBLEM_SECTIONS = _sections_of_kind("problems")
PLAN_SECTIONS = _sections_of_kind("plans")


# ------------------------------------------------------------------------------ ablations


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_removing_a_section_never_raises_the_total(seed: str) -> None:
    text = report(seed)
    before = card_of(text).total
    raised = [
        f"{s.heading}: {before} → {after}"
        for i, s in enumerate(sections(text))
        if (after := card_of(remove_section(text, i)).total) > before + EPS
    ]
    assert not raised, f"removing a section raised the total: {raised}"


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_removing_a_section_lowers_the_dimension_it_is_about(seed: str) -> None:
    text = report(seed)
    card = card_of(text)
    before = dimension_scores(card)
    checked, unchanged = 0, []
    for i, section in enumerate(sections(text)):
        dim = section_dimension(card, section)
        if dim is None:
            continue
        checked += 1
        after = dimension_scores(card_of(remove_section(text, i)))[dim]
        if after >= before[dim] - EPS:
            unchanged.append(f"{section.heading} → {dim} stays {after:.2f}")
    assert checked, "no section of an annual report has a credited measure"
    assert not unchanged, f"sections removed without cost to their dimension: {unchanged}"


@pytest.mark.parametrize(("seed", "index"), PROBLEM_SECTIONS)
def test_removing_the_problems_section_fails_the_shortcomings_check_only(seed: str, index: int) -> None:
    text = report(seed)
    before = statuses(card_of(text))
    after = statuses(card_of(remove_section(text, index)))
    assert after["shortcomings"] == "fail"
    others = {k: v for k, v in before.items() if k not in ("shortcomings", "causes")}
    assert {k: after[k] for k in others} == others


@pytest.mark.parametrize(("seed", "index"), PLAN_SECTIONS)
def test_removing_the_plans_section_fails_the_plans_check_only(seed: str, index: int) -> None:
    text = report(seed)
    before = statuses(card_of(text))
    after = statuses(card_of(remove_section(text, index)))
    assert after["plans"] == "fail"
    assert {k: v for k, v in after.items() if k != "plans"} == {
        k: v for k, v in before.items() if k != "plans"
    }


def test_the_seeds_have_headed_problems_and_plans_sections() -> None:
    """Guards the two tests above against passing by having nothing to check."""
    assert PROBLEM_SECTIONS and PLAN_SECTIONS


# ------------------------------------------------------------------------------- rewrites


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
@pytest.mark.parametrize("rewrite", [as_plans, negated], ids=["as_plans", "negated"])
def test_plans_and_negations_are_not_work(seed: str, rewrite: Callable[[str], str]) -> None:
    before = dimension_points(card_of(report(seed)))
    after = dimension_points(card_of(rewrite(report(seed))))
    assert before > 0
    assert after <= 0.3 * before, f"{after:.2f} of {before:.2f} dimension points survive the rewrite"


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_saying_everything_twice_earns_nothing(seed: str) -> None:
    before, after = card_of(report(seed)).total, card_of(duplicated(report(seed))).total
    assert after <= before + EPS, f"repeating every sentence: {before} → {after}"


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
@pytest.mark.parametrize("rng", [1, 2, 3])
def test_reordering_sentences_earns_nothing(seed: str, rng: int) -> None:
    before, after = card_of(report(seed)).total, card_of(shuffled(report(seed), rng)).total
    assert after <= before + EPS, f"reordering sentences: {before} → {after}"


# ---------------------------------------------------------------------------- gamed texts


@pytest.mark.parametrize("outline_id", OUTLINES)
def test_keyword_soup_under_a_plausible_title_is_not_a_report(outline_id: str) -> None:
    card = card_of(keyword_soup(load_outline(outline_id)))
    graded, total = card.graded, card.total
    assert graded is False or total <= 30, f"keyword soup graded {total}"


@pytest.mark.parametrize("outline_id", OUTLINES)
def test_keyword_soup_with_headings_cues_and_numbers_is_not_graded(outline_id: str) -> None:
    """Every keyword of the rubric, with cue sentences, headings and numbers: a keyword list, not a
    report. Its sentences look like done work, so the points are high; the gate refuses a grade."""
    card = card_of(keyword_soup_plus(load_outline(outline_id)))
    assert card.graded is False and card.grade is None
    assert any("关键词" in reason for reason in card.kind.evidence)


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_headings_alone_earn_almost_nothing(seed: str) -> None:
    card = card_of(headings_only(report(seed)))
    graded, total = card.graded, card.total
    assert graded is False or total <= 20, f"headings alone graded {total}"


DOCUMENTS = [
    *(f"seed-{s}" for s in (*ANNUAL_SEEDS, EVALUATION_SEED)),
    *(f"negative-{i}" for i in NEGATIVE_IDS),
    *(f"{soup}-{o}" for soup in ("soup", "soup_plus") for o in OUTLINES),
]


def document(name: str) -> str:
    """A document the suite scores, by name (rubrics are loaded only when a test runs)."""
    kind, _, rest = name.partition("-")
    if kind == "seed":
        return raw_seed(rest)
    if kind == "negative":
        return NEGATIVE_FILES[NEGATIVE_IDS.index(rest)].read_text(encoding="utf-8")
    return (keyword_soup if kind == "soup" else keyword_soup_plus)(load_outline(rest))


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_total_above_100(name: str) -> None:
    card = card_of(document(name))
    total, max_total = card.total, card.max_total
    assert total <= 100 + EPS
    assert total <= max_total + EPS


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_no_variant_total_above_100(seed: str) -> None:
    variants = [duplicated(report(seed)), as_plans(report(seed)), headings_only(report(seed))]
    assert max(card_of(v).total for v in variants) <= 100 + EPS


# -------------------------------------------------------------------------------- the gate


def test_the_negatives_are_present() -> None:
    assert len(NEGATIVE_FILES) >= 6, f"expected the six government work reports in {NEGATIVES}"


@pytest.mark.parametrize("path", NEGATIVE_FILES, ids=NEGATIVE_IDS)
def test_a_government_work_report_is_not_graded(path: Path) -> None:
    card = card_of(path.read_text(encoding="utf-8"))
    graded = card.graded
    assert graded is False, f"graded {card.total} as {card.kind.kind}"


@pytest.mark.parametrize("seed", ANNUAL_SEEDS)
def test_an_annual_report_is_graded(seed: str) -> None:
    card = card_of(raw_seed(seed))
    graded, kind = card.graded, card.kind.kind
    assert graded is True
    assert kind == "annual_report"


def test_an_evaluation_is_not_graded_as_an_annual_report() -> None:
    kind = card_of(raw_seed(EVALUATION_SEED)).kind.kind
    assert kind != "annual_report", "a mid-term evaluation taken for an annual report"
