"""The review page and the batch index in a real browser: headless Chromium (the Debian package,
driven by Playwright with `executable_path`; never a browser download). If Chromium cannot start
these tests fail, they do not skip: `.ci/run` installs it.

One browser for the module. Screenshots go to `screenshots/` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scorer.batch import Outcome
from scorer.dashboard import render_index

from pages import HOSTILE_NAME, build_batch, with_copies

SEED = "000_bbf3d8a01ec62c26"
SCREENSHOTS = Path(__file__).parent.parent / "screenshots"


def chromium_path() -> str:
    path = os.environ.get("SCORER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Chromium not found: install the Debian package `chromium` (.ci/run does) or set SCORER_CHROMIUM"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        except Error as exc:
            pytest.fail(f"Chromium did not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Outcome]]:
    out, outcomes = build_batch(tmp_path_factory.mktemp("site"))
    (out / "index-1000.html").write_text(render_index(with_copies(outcomes, 994)), "utf-8")
    return out, outcomes


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh tab that records every dialog (alert) a page tries to open."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    yield tab
    context.close()


def load_ms(tab) -> float:  # type: ignore[no-untyped-def]
    return tab.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")


def test_every_credited_sentence_is_marked_in_the_rendered_page(page, site) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    page.goto((out / f"{SEED}.html").as_uri())
    card = json.loads((out / f"{SEED}.json").read_text("utf-8"))
    credited = {
        n: i
        for i, d in enumerate(card["dimensions"], 1)
        for m in d["measures"]
        if m["credit"] > 0
        for n in m["sentences"]
    }
    marked = page.eval_on_selector_all(
        "main .k-credited", "els => els.map(e => [e.id, e.className, getComputedStyle(e).borderBottomStyle])"
    )
    assert {int(i[1:]) for i, _, _ in marked} == set(credited)
    for ident, classes, border in marked:
        assert f"d{credited[int(ident[1:])]}" in classes.split() and border == "solid"
    tip = page.get_attribute(f"#s{min(credited)}", "data-tip")
    assert "维度：" in tip and "作用：" in tip and "标注：" in tip
    page.focus(f"#s{min(credited)}")  # keyboard focus shows the same text as hover
    shown = page.evaluate(
        f"() => getComputedStyle(document.getElementById('s{min(credited)}'), '::after').content"
    )
    assert "维度：" in shown
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"page-{SEED}.png"))
    first = [line for line in page.inner_text("header.top").splitlines() if line.strip()]
    print(f"\npage {SEED}: load {load_ms(page):.0f} ms; a reader sees first: {first[:3]}")


def in_viewport(tab, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return tab.evaluate(
        """sel => { const r = document.querySelector(sel).getBoundingClientRect();
                    return r.bottom > 0 && r.top < window.innerHeight; }""",
        selector,
    )


def test_required_content_links_scroll_to_their_sentences(page, site) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    page.goto((out / f"{SEED}.html").as_uri())
    links = page.eval_on_selector_all("ul.req a", "els => els.map(e => e.getAttribute('href'))")
    assert len(links) >= 5
    far = [h for h in links if not in_viewport(page, h)]
    assert far, "some evidence starts below the fold, so the links must scroll"
    for href in links:
        page.click(f"ul.req a[href='{href}']")
        page.wait_for_function("h => location.hash === h", arg=href)
        assert in_viewport(page, href), href


def test_sorting_the_index_by_a_dimension_reorders_it(page, site) -> None:  # type: ignore[no-untyped-def]
    out, _ = site
    page.goto((out / "index-1000.html").as_uri())
    ms = load_ms(page)
    table = "section[id^=rank-]:first-of-type table"
    column = (
        page.eval_on_selector_all(f"{table} thead th", "ths => ths.map(t => t.textContent)").index("①") + 1
    )

    def values() -> list[float]:
        return [
            float(v)
            for v in page.eval_on_selector_all(
                f"{table} tbody td:nth-child({column})", "t => t.map(c => c.textContent)"
            )
        ]

    before = values()
    page.click(f"{table} thead th:nth-child({column}) button")
    after = values()
    assert after != before and after == sorted(before, reverse=True)
    page.click(f"{table} thead th:nth-child({column}) button")
    assert values() == sorted(before)
    size = (out / "index-1000.html").stat().st_size
    print(f"\nindex of 1,000 reports: {size / 1e3:.0f} kB, load {ms:.0f} ms, first table {len(before)} rows")


def test_the_index_reads_without_javascript(browser, site) -> None:  # type: ignore[no-untyped-def]
    out, outcomes = site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.goto((out / "index.html").as_uri())
    rows = tab.eval_on_selector_all("tbody tr", "rs => rs.length")
    assert rows == len(outcomes) and tab.locator("th button").count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    context.close()


def test_an_injected_script_never_runs(page, site) -> None:  # type: ignore[no-untyped-def]
    out, outcomes = site
    stem = next(o.job.stem for o in outcomes if o.job.path.name == HOSTILE_NAME)
    for target in (out / f"{stem}.html", out / "index.html"):
        page.goto(target.as_uri())
        for text in page.eval_on_selector_all(
            "main span, td a", "els => els.map(e => e.id || e.textContent)"
        ):
            if text.startswith("s"):
                page.hover(f"#{text}") if text == "s2" else None
        assert page.evaluate("() => window.__pwned") is None, target.name
        assert page.dialogs == [], target.name
        assert page.locator("main img, main script, a[href^='javascript']").count() == 0
    page.goto((out / f"{stem}.html").as_uri())
    page.hover("#s2")
    page.focus("#s2")
    assert "<script>window.__pwned=1;alert(1)</script>" in page.inner_text("main")
    page.click("text=点此查看")  # the would-be javascript: link is text
    assert page.evaluate("() => window.__pwned") is None and page.dialogs == []
