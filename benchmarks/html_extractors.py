"""Compare main-content extractors on government pages: what of the report is kept, what chrome is left.

Pages: the five seeds wrapped as the round-trip test wraps them (`as_html`) and in the full chrome of a
district site (tests/govpage.py, three layouts), and the report of tests/data/html in the three layouts
and as a bare fragment. Per extractor: share of report characters kept (report lines found whole in
the normalized output), report lines kept as lines, chrome phrases left after the boilerplate pass,
median milliseconds per page.

Run: python benchmarks/html_extractors.py   (needs trafilatura and readability-lxml installed)
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from scorer.ingest import html_to_text  # noqa: E402
from scorer.normalize import normalize  # noqa: E402

from govpage import CHROME_PHRASES, fragment, gov_page  # noqa: E402
from variants import as_html  # noqa: E402


def _trafilatura(page: str) -> str:
    import trafilatura
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    out = trafilatura.extract(
        page,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        config=config,
    )
    return out or ""


def _readability(page: str) -> str:
    from readability import Document

    return html_to_text(Document(page).summary(html_partial=True))


def _webpage(page: str) -> str:
    from scorer.webpage import page_text

    return page_text(page).text


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "html_to_text (baseline)": html_to_text,
    "trafilatura": _trafilatura,
    "readability-lxml": _readability,
}


def pages() -> list[tuple[str, str, str]]:
    """(name, page, report text) for every test page."""
    out = []
    for path in sorted((ROOT / "tests/data/reports").glob("*.txt")):
        text = path.read_text("utf-8")
        out.append((f"seed {path.name[:3]} as_html", as_html(text)[0].decode(), text))
        for layout in ("div", "table", "br"):
            page = gov_page(text, layout=layout, title="法治政府建设年度报告")
            out.append((f"seed {path.name[:3]} gov/{layout}", page.decode(), text))
    report = (ROOT / "tests/data/html/yuhu_2023.txt").read_text("utf-8")
    for layout in ("div", "table", "br"):
        out.append((f"yuhu gov/{layout}", gov_page(report, layout=layout).decode(), report))
    out.append(("yuhu fragment", fragment(report).decode(), report))
    return out


def measure(extract: Callable[[str], str], page: str, report: str) -> tuple[float, float, int, float]:
    """(share of report chars kept, share of report lines kept as lines, chrome phrases left, ms)."""
    start = time.perf_counter()
    text = extract(page)
    ms = (time.perf_counter() - start) * 1000
    got = normalize(text).text if text.strip() else ""
    want = [x for x in normalize(report).text.split("\n") if x]
    lines = set(got.split("\n"))
    flat = got.replace("\n", "")
    kept_chars = sum(len(x) for x in want if x in flat)
    kept_lines = sum(1 for x in want if x in lines)
    chrome = sum(1 for p in CHROME_PHRASES if p in got and p not in normalize(report).text)
    return kept_chars / sum(map(len, want)), kept_lines / len(want), chrome, ms


def main() -> None:
    cases = pages()
    # trafilatura is not a dependency of scorer: install it by hand to compare (pip install trafilatura).
    modules = {"trafilatura": "trafilatura", "readability-lxml": "readability"}
    names = [n for n in EXTRACTORS if n not in modules or importlib.util.find_spec(modules[n])]
    try:
        import scorer.webpage  # noqa: F401

        names.append("scorer.webpage")
        EXTRACTORS["scorer.webpage"] = _webpage
    except ImportError:
        pass
    print("| page | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    totals: dict[str, list[tuple[float, float, int, float]]] = {n: [] for n in names}
    for name, page, report in cases:
        cells = []
        for n in names:
            EXTRACTORS[n](page)  # warm-up: imports, caches
            runs = [measure(EXTRACTORS[n], page, report) for _ in range(3)]
            r = (*runs[0][:3], statistics.median(x[3] for x in runs))
            totals[n].append(r)
            cells.append(f"{r[0]:.1%} / {r[1]:.0%} / {r[2]} / {r[3]:.1f} ms")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nper extractor: mean chars kept, min chars kept, lines kept, chrome phrases left, median ms")
    for n in names:
        t = totals[n]
        print(
            f"{n}: {statistics.mean(x[0] for x in t):.1%}, min {min(x[0] for x in t):.1%}, "
            f"{statistics.mean(x[1] for x in t):.1%}, chrome {sum(x[2] for x in t)}, "
            f"{statistics.median(x[3] for x in t):.1f} ms"
        )


if __name__ == "__main__":
    main()
