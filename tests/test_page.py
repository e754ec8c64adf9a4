"""The review page and the batch index, read as HTML (the browser tests read them as a reader does)."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from scorer.assess import Options, assess_file
from scorer.batch import Job, Outcome
from scorer.dashboard import index_view, page_href, render_index
from scorer.page import marks, render_page
from scorer.ranking import rank_key
from scorer.templates import autoescaped, environment

from conftest import REPORTS, SEEDS, run, seed_path
from pages import HOSTILE_NAME, build_batch, with_copies

SEED = "000_bbf3d8a01ec62c26"
TRADITIONAL = "001_b1447d7b30bc702a"


class Spans(HTMLParser):
    """Every element with an id: its tag and classes; the href of every link; every script."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, tuple[str, set[str]]] = {}
        self.hrefs: list[str] = []
        self.scripts = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.add(tag)
        if a.get("id"):
            self.ids[a["id"] or ""] = (tag, set((a.get("class") or "").split()))
        if tag == "a":
            self.hrefs.append(a.get("href") or "")
        self.scripts += tag == "script"


def parsed(html: str) -> Spans:
    p = Spans()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Outcome]]:
    return build_batch(tmp_path_factory.mktemp("batch"))


def test_html_templates_are_autoescaped_whatever_follows_the_extension() -> None:
    assert autoescaped("report.html.j2") and autoescaped("index.html") and autoescaped("x.HTM.j2")
    assert not autoescaped("memo.md.j2") and not autoescaped("page.css.j2") and not autoescaped(None)


def credited(card: dict) -> dict[int, int]:
    """Sentence number → 1-based dimension index, for every sentence that earned points."""
    return {
        n: i
        for i, d in enumerate(card["dimensions"], 1)
        for m in d["measures"]
        if m["credit"] > 0
        for n in m["sentences"]
    }


def test_every_credited_sentence_is_marked_in_its_dimension(batch: tuple[Path, list[Outcome]]) -> None:
    out, outcomes = batch
    for o in outcomes:
        ids = parsed((out / f"{o.job.stem}.html").read_text("utf-8")).ids
        expected = credited(o.card or {})
        assert expected, o.job.stem
        for n, dim in expected.items():
            _tag, classes = ids[f"s{n}"]
            assert {"m", "k-credited", f"d{dim}"} <= classes, (o.job.stem, n, classes)
        marked = {k for k, (_, c) in ids.items() if "k-credited" in c}
        assert marked == {f"s{n}" for n in expected}, "a sentence that earned nothing is marked as credited"


def test_the_page_shows_the_report_as_printed() -> None:
    """Traditional script, glosses and all: the same characters the memo quotes."""
    result = assess_file(seed_path(TRADITIONAL), Options(backend="rules"))
    html = render_page(result.card, result.doc, result.outline)
    quotes = [m.quote.printed for d in result.card.dimensions for m in d.measures if m.credit > 0]
    assert quotes and all(q and str(escape(q.split("……")[0])) in html for q in quotes)
    assert "區" in html and "区(qū)" not in result.doc.text


def test_required_contents_link_to_sentences_on_the_page(batch: tuple[Path, list[Outcome]]) -> None:
    out, _ = batch
    page = parsed((out / f"{SEED}.html").read_text("utf-8"))
    anchors = [h for h in page.hrefs if h.startswith("#")]
    assert anchors and all(h[1:] in page.ids for h in anchors)
    card = json.loads((out / f"{SEED}.json").read_text("utf-8"))
    passed = [r for r in card["required"] if r["status"] == "pass"]
    html = (out / f"{SEED}.html").read_text("utf-8")
    req = html.split('<ul class="req">')[1].split("</ul>")[0]
    assert req.count('href="#') >= len(passed), "every content that passed links to its evidence"


def test_report_text_can_inject_nothing(batch: tuple[Path, list[Outcome]]) -> None:
    out, outcomes = batch
    stem = next(o.job.stem for o in outcomes if o.job.path.name == HOSTILE_NAME)
    html = (out / f"{stem}.html").read_text("utf-8")
    page = parsed(html)
    assert page.scripts == 0 and "img" not in page.tags
    assert not [h for h in page.hrefs if not h.startswith("#")], "no link leaves the page"
    assert "&lt;script&gt;window.__pwned=1;" in html and "alert(1)&lt;/script&gt;" in html
    assert html.count("</style>") == 1
    index = (out / "index.html").read_text("utf-8")
    assert parsed(index).scripts == 1 and "<img" not in index and "javascript:" not in index


def test_index_links_are_relative_and_quoted(batch: tuple[Path, list[Outcome]]) -> None:
    out, outcomes = batch
    hrefs = parsed((out / "index.html").read_text("utf-8")).hrefs
    assert sorted(hrefs) == sorted(page_href(o.job.stem) for o in outcomes)
    assert all((out / h).is_file() for h in hrefs)
    assert page_href('a b#?<">') == "./a%20b%23%3F%3C%22%3E.html"


def test_index_ranks_grades_and_lists_the_not_graded_apart(batch: tuple[Path, list[Outcome]]) -> None:
    out, _ = batch
    index = (out / "index.html").read_text("utf-8")
    ranked, not_graded = index.split('id="not-graded"')
    assert "003_8d0d213d0836cbcc.txt" in not_graded and "003_8d0d213d0836cbcc.txt" not in ranked
    first = re.search(r'<tbody>\s*<tr><td><a href="[^"]+">([^<]+)</a>', ranked)
    assert first and first.group(1) == "000_bbf3d8a01ec62c26.txt"  # 良好 above 合格


def test_pages_and_an_index_of_205_build_in_under_two_seconds_of_cpu(capsys: pytest.CaptureFixture) -> None:
    """Beyond scoring: the five pages and an index of the seeds plus 200 copies, templates compiled cold."""
    results = [assess_file(REPORTS / f"{s}.txt", Options(backend="rules")) for s in SEEDS]

    outcomes = [
        Outcome(Job(seed_path(s), s), r.card.model_dump(mode="json"))
        for s, r in zip(SEEDS, results, strict=True)
    ]
    environment.cache_clear()
    start = time.process_time()
    pages = [render_page(r.card, r.doc, r.outline) for r in results]
    index = render_index(with_copies(outcomes, 200))
    cpu = time.process_time() - start
    big = render_index(with_copies(outcomes, 995))
    with capsys.disabled():
        print(
            f"\npages of 5 seeds + index of 205: {cpu:.3f} s CPU; index {len(index.encode()) / 1e3:.0f} kB, "
            f"1,000 rows {len(big.encode()) / 1e3:.0f} kB; pages up to {max(map(len, pages))} chars"
        )
    assert cpu < 2.0
    assert len(index.encode()) < 2_000_000 and len(big.encode()) < 2_000_000


def test_score_html_prints_one_page_and_out_always_writes_it(tmp_path: Path) -> None:
    r = run("score", str(seed_path(SEED)), "--backend", "rules", "--html")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("<!doctype html>") and r.stdout.rstrip().endswith("</html>")
    r = run("score", str(seed_path(SEED)), "--backend", "rules", "--out", str(tmp_path))
    assert r.returncode == 0 and (tmp_path / f"{SEED}.html").read_text("utf-8").startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--json"], "--html and --json both print to stdout: use --out DIR to write the pages"),
        (
            [str(seed_path(TRADITIONAL))],
            "--html prints one page to stdout: give one file, or use --out DIR for several",
        ),
    ],
)
def test_html_to_stdout_that_cannot_work_is_a_usage_error(extra: list[str], message: str) -> None:
    r = run("score", str(seed_path(SEED)), "--backend", "rules", "--html", *extra)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"scorer: error: {message}"]


def test_a_figure_that_failed_its_check_is_flagged_on_its_sentence() -> None:
    result = assess_file(seed_path(SEED), Options(backend="rules"))
    card = result.card.model_copy(deep=True)
    measure = next(m for d in card.dimensions for m in d.measures if m.credit > 0 and m.figures)
    measure.figures[0].status = "mismatch"
    n = measure.sentences[0]
    flagged = marks(card, result.doc, result.outline)[n]
    assert flagged.tag.endswith("⚠") and f"{measure.figures[0].surface} ⚠️ 与原文不符" in flagged.tip
    assert not marks(result.card, result.doc, result.outline)[n].tag.endswith("⚠")


def test_a_sentence_cited_but_not_credited_says_why() -> None:
    result = assess_file(seed_path(SEED), Options(backend="rules"))
    card = result.card.model_copy(deep=True)
    dim = card.dimensions[0]
    measure = next(m for m in dim.measures if m.credit > 0)
    measure.credit, measure.outcome = 0.0, "off_topic"
    mark = marks(card, result.doc, result.outline)[measure.sentences[0]]
    assert mark.kind == "uncredited" and mark.tag == "未计分" and "不计分：不含所归维度的关键词" in mark.tip


def test_equal_totals_share_a_rank_on_the_index(batch: tuple[Path, list[Outcome]]) -> None:
    """The same rule as ranking.csv: equal grade and total, equal rank; the next rank skips."""
    _, outcomes = batch
    seed = next(o for o in outcomes if o.job.stem == "000_bbf3d8a01ec62c26")
    twin = Outcome(Job(seed.job.path.with_name("twin.txt"), "twin"), seed.card)
    (table, *_) = index_view([*outcomes, twin]).ranked
    key = rank_key(seed.card)  # the seed, its twin, and any copy with the same grade and total
    equal = sum(o.card is not None and rank_key(o.card) == key for o in [*outcomes, twin])
    ranks = [row.cells[0].text for row in table.rows]
    assert equal >= 2 and ranks[:equal] == ["1"] * equal and ranks[equal] == str(equal + 1)
