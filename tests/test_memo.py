"""The memo is Chinese from end to end, numbers chunks only when there are several, and is rendered
from templates/memo.md.j2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scorer.assess import Options, assess, assess_file
from scorer.card import ScoreCard
from scorer.llm import Settings
from scorer.memo import memo_view, render_memo
from scorer.outline import load_outline
from scorer.pipeline import load_document
from scorer.rules import extract_rules
from scorer.schema import FailedChunk

from conftest import SEEDS, TESTS, seed_path

ROOT = TESTS.parent
NEGATIVE = TESTS / "data" / "negatives" / "2023年南山区政府工作报告_2023.txt"
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
HEX = re.compile(r"\b[0-9a-f]{16}\b")
# Raw failure reasons as scorer/llm.py and scorer/extract.py write them (server words included).
RAW_REASONS = [
    "HTTP 401 from https://api.example.com/v1: invalid api key",
    "cannot reach http://127.0.0.1:9/v1 (connection refused)",
    "http://127.0.0.1:9/v1 timed out after retries",
    "invalid answer after 3 attempts: ValidationError",
]
REPLAY = Settings(
    base_url="http://127.0.0.1:8081/v1",
    model="qwen2.5-coder-1.5b",
    mode="md_json",
    cache="replay",
    cache_dir=ROOT / "cache",
)


def english_words(card: ScoreCard, memo: str, source: Path) -> set[str]:
    """ASCII words of the memo, except identifiers (model, endpoint, cache, file, encoding, rubric id,
    digests) and words printed in the report itself (quotes are shown as printed)."""
    identifiers = [card.model, card.provenance.get("endpoint"), card.provenance.get("cache_dir")]
    identifiers += [card.source, card.metadata.get("encoding")]
    identifiers += [card.rubric["id"], card.metadata.get("title")]
    for identifier in filter(None, identifiers):
        memo = memo.replace(identifier, " ")
    memo = HEX.sub(" ", memo)
    printed = set(ASCII_WORD.findall(source.read_text("utf-8", errors="replace")))
    return set(ASCII_WORD.findall(memo)) - printed


def provisional_card() -> ScoreCard:
    """Seed 000 in three chunks, as if the last two had failed with the reasons a server gives."""
    doc = load_document(seed_path("000_bbf3d8a01ec62c26"), max_chunk_chars=3000)
    outline = load_outline("outline-2015")
    extraction = extract_rules(doc, outline)
    extraction.failed_chunks = [
        FailedChunk(chunk=i, title=doc.chunks[i].title, reason=RAW_REASONS[i]) for i in (1, 2)
    ]
    return assess(doc, outline, extraction)


def cards() -> list[tuple[str, ScoreCard, Path]]:
    found = []
    for seed in SEEDS:
        found.append(
            (f"{seed} rules", assess_file(seed_path(seed), Options(backend="rules")).card, seed_path(seed))
        )
        llm = Options(backend="llm", settings=REPLAY)
        found.append((f"{seed} llm", assess_file(seed_path(seed), llm).card, seed_path(seed)))
    found.append(("provisional", provisional_card(), seed_path("000_bbf3d8a01ec62c26")))
    found.append(("not graded", assess_file(NEGATIVE, Options(backend="rules")).card, NEGATIVE))
    forced = Options(backend="rules", kind="annual_report")
    found.append(("forced", assess_file(seed_path("003_8d0d213d0836cbcc"), forced).card, seed_path(SEEDS[3])))
    return found


@pytest.fixture(scope="module")
def memos(monkeypatch_module: None) -> list[tuple[str, ScoreCard, str, Path]]:
    return [(name, card, render_memo(card), source) for name, card, source in cards()]


@pytest.fixture(scope="module")
def monkeypatch_module() -> None:
    """Scored from the checkout, as the snapshots are (relative source paths)."""
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    yield None
    mp.undo()


def test_every_word_a_reader_reads_is_chinese(memos: list[tuple[str, ScoreCard, str, Path]]) -> None:
    kinds = {name: card for name, card, _, _ in memos}
    assert kinds["provisional"].provisional and not kinds["not graded"].graded and kinds["forced"].kind.forced
    leaks = {name: english_words(card, memo, source) for name, card, memo, source in memos}
    assert {name: words for name, words in leaks.items() if words} == {}


def test_failure_reasons_are_sentences_in_the_memo_and_raw_in_the_json() -> None:
    card = provisional_card()
    memo = render_memo(card)
    assert "第 2 段" in memo and "无法连接大模型服务（多次重试后仍然失败）" in memo
    assert "第 3 段" in memo and "大模型服务多次重试后仍然超时" in memo
    assert "cannot reach" not in memo and "timed out" not in memo
    raw = [f["reason"] for f in card.provenance["failed_chunks"]]
    assert raw == RAW_REASONS[1:3], "the JSON keeps the server's own words"


def test_chunk_numbers_only_when_the_report_has_several_chunks() -> None:
    one = assess_file(seed_path("004_e694e6b91e23d625"), Options(backend="rules")).card
    assert one.provenance["chunks"] == 1 and "段）" not in render_memo(one)
    assert all(m.chunk is None for d in memo_view(one).dimensions for m in d.measures)
    several = assess_file(
        seed_path("000_bbf3d8a01ec62c26"), Options(backend="rules", max_chunk_chars=3000)
    ).card
    assert several.provenance["chunks"] == 3
    shown = {m.chunk for d in memo_view(several).dimensions for m in d.measures}
    assert shown and None not in shown and shown <= {1, 2, 3}
    assert re.search(r"（(已做|成效)；原文逐字，第 [123] 段）", render_memo(several))


def test_a_hostile_quote_is_shown_as_text(memos: list[tuple[str, ScoreCard, str, Path]]) -> None:
    card = next(card for name, card, _, _ in memos if name.endswith("rules"))
    dims = card.dimensions
    measure = next(m for m in dims[0].measures if m.credit > 0)
    quote = measure.quote.model_copy(update={"printed": "# 完成<script>alert(1)</script>率94.9%"})
    hostile = measure.model_copy(update={"quote": quote})
    first = dims[0].model_copy(
        update={"measures": [hostile, *(m for m in dims[0].measures if m is not measure)]}
    )
    plan = card.plans[0].model_copy(update={"text": "- 假的列表项"})
    memo = render_memo(card.model_copy(update={"dimensions": [first, *dims[1:]], "plans": [plan]}))
    assert "  > \\# 完成&lt;script>alert(1)&lt;/script>率94.9%" in memo
    assert "\n- \\- 假的列表项：" in memo
    assert "<script" not in memo


def test_the_memo_comes_from_the_template(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """templates/memo.md.j2 lays the memo out: an edited copy changes the memo."""
    from scorer import templates

    template = (ROOT / "templates" / "memo.md.j2").read_text("utf-8")
    (tmp_path / "memo.md.j2").write_text(template.replace("## 分维度得分", "## 各维度得分一览"), "utf-8")
    monkeypatch.setenv("SCORER_TEMPLATES_DIR", str(tmp_path))
    templates.environment.cache_clear()
    try:
        card = assess_file(seed_path("004_e694e6b91e23d625"), Options(backend="rules")).card
        memo = render_memo(card)
    finally:
        templates.environment.cache_clear()
    assert "## 各维度得分一览" in memo and "## 分维度得分" not in memo
