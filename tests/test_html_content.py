"""A report on a government web page: its main content is the report, the site's chrome is not.

Pages are built by tests/govpage.py around report texts we know, so what must be kept (every
report line, as printed) and what must go (top bar, navigation, breadcrumbs, info line, tools,
related links, footer) are both known exactly.
"""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import pytest

from scorer import webpage
from scorer.assess import Options, assess_document
from scorer.ingest import decode_report
from scorer.memo import render_memo
from scorer.normalize import normalize
from scorer.pipeline import load_document, prepare

from conftest import seed_path
from govpage import CHROME_PHRASES, fragment, gov_page
from test_normalize import assert_offsets_sound

REPORT = (Path(__file__).parent / "data/html/yuhu_2023.txt").read_text("utf-8")
LAYOUTS = ("div", "table", "br")
RULES = Options(backend="rules")


def _page(data: bytes):
    return prepare(decode_report(data, source="page.html"))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_chrome_is_gone_from_the_text_and_the_memo(layout: str) -> None:
    doc = _page(gov_page(REPORT, layout=layout))
    memo = render_memo(assess_document(doc, RULES).card)
    for phrase in CHROME_PHRASES:
        assert phrase not in doc.text, phrase
        assert phrase not in memo, phrase


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_report_line_is_kept_in_order_as_a_line(layout: str) -> None:
    doc = _page(gov_page(REPORT, layout=layout))
    assert doc.text == normalize(REPORT).text
    assert doc.raw.text.split("\n")[0] == "雨湖区2023年法治政府建设年度报告"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_quotes_are_the_characters_printed_on_the_page(layout: str) -> None:
    """Seed 001 is traditional script with pinyin glosses: the memo must quote it as printed."""
    seed = next(s for s in (p.stem for p in seed_path("x").parent.glob("001_*.txt")))
    printed = seed_path(seed).read_text("utf-8")
    doc = _page(gov_page(printed, layout=layout, title="", date=None))
    assert_offsets_sound(doc.norm)
    at = 0
    for line in doc.text.split("\n"):
        assert doc.norm.original_text(at, at + len(line)) in printed, line
        at += len(line) + 1
    card = assess_document(doc, RULES).card
    quotes = [m.quote.printed for d in card.dimensions for m in d.measures if m.quote.printed]
    assert len(quotes) > 10 and all(q in printed for q in quotes)
    assert any("區(qū)" in q for q in quotes)


def test_a_seed_on_a_page_scores_as_the_seed() -> None:
    seed = next(s for s in (p.stem for p in seed_path("x").parent.glob("004_*.txt")))
    plain = load_document(seed_path(seed))
    doc = _page(gov_page(plain.raw.text, layout="table", title="", date=None))
    assert doc.text == plain.text
    assert assess_document(doc, RULES).card.total == assess_document(plain, RULES).card.total


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_signed_date_outranks_the_pages_date(layout: str) -> None:
    doc = _page(gov_page(REPORT, date="2024-03-01", layout=layout, catalogue=True))
    assert doc.metadata.signed == date(2024, 1, 15)
    assert doc.metadata.published == date(2024, 1, 15)
    assert doc.metadata.evidence["published"].text == "2024年1月15日"
    assert doc.metadata.region == "雨湖区"  # signed 湘潭市雨湖区人民政府: the district, not its city
    # The disclosure catalogue above the article is chrome to the text, metadata to the reader.
    assert doc.metadata.doc_number == "雨政发〔2024〕3号"
    assert "索引号" not in doc.text and "文号" not in doc.text


def test_the_pages_date_is_the_fallback_when_nothing_is_signed() -> None:
    unsigned = "\n".join(REPORT.strip().split("\n")[:-2])
    doc = _page(gov_page(unsigned, date="2024-03-01"))
    assert doc.metadata.signed is None
    assert doc.metadata.published == date(2024, 3, 1)
    assert doc.metadata.evidence["published"].text.startswith("发布时间：2024-03-01")
    assert not [p for p in (*CHROME_PHRASES, "发布时间") if p in doc.text]


def test_a_fragment_is_read_whole() -> None:
    result = webpage.page_text(fragment(REPORT).decode())
    assert result.method == "whole_page"
    assert _page(fragment(REPORT)).text == normalize(REPORT).text


def test_too_little_main_content_falls_back_to_the_whole_page(monkeypatch: pytest.MonkeyPatch) -> None:
    page = gov_page(REPORT).decode()
    monkeypatch.setattr(
        webpage, "_main_block", lambda html: ("<p>区政府常务会议专题研究法治政府建设工作6次。</p>", "")
    )
    result = webpage.page_text(page)
    assert result.method == "whole_page" and "30%" in result.reason
    assert all(line in result.text for line in REPORT.split("\n"))


def test_a_failing_library_falls_back_to_the_whole_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import readability

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("broken parser")

    monkeypatch.setattr(readability, "Document", broken)
    result = webpage.page_text(gov_page(REPORT).decode())
    assert result.method == "whole_page"
    assert "2024年1月15日" in result.text


@pytest.mark.parametrize(
    "page",
    [
        "<html></html>",
        "<html><body></body></html>",
        "<html><body><div>",
        "<body>&#0;<p>一</p>",
        "<html>" * 500,
    ],
)
def test_odd_pages_never_crash(page: str) -> None:
    result = webpage.page_text(page)
    assert isinstance(result.text, str)


def test_reading_a_page_never_opens_a_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert webpage.page_text(gov_page(REPORT).decode()).method == "main_content"
