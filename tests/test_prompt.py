"""The request: a fixed part the providers can cache, then the chunk's numbered sentences.

Measured on the real requests the scorer sends to the stub server (real openai + instructor).
"""

from __future__ import annotations

import json
from pathlib import Path

from scorer.assess import Options, assess_file
from scorer.chunking import DEFAULT_MAX_CHARS
from scorer.pipeline import load_document

from conftest import REPORTS, seed_path
from llm_fakes import chunk_text, honest_answer, is_summary, sentences, settings_for
from stub_server import StubServer

ROOT = Path(__file__).parent.parent
OUTLINE_2015 = ["000_bbf3d8a01ec62c26", "001_b1447d7b30bc702a", "003_8d0d213d0836cbcc"]


def requests_for(seeds: list[str], tmp_path: Path, max_chunk_chars: int = DEFAULT_MAX_CHARS) -> list[dict]:
    with StubServer(honest_answer) as server:
        settings = settings_for(server.base_url, tmp_path)
        options = Options(backend="llm", settings=settings, max_chunk_chars=max_chunk_chars)
        for seed in seeds:
            assess_file(seed_path(seed), options)
    return [r.body for r in server.requests]


def test_the_fixed_part_is_identical_for_every_chunk_of_every_report_under_a_rubric(tmp_path: Path) -> None:
    bodies = [b for b in requests_for(OUTLINE_2015, tmp_path, max_chunk_chars=1200) if not is_summary(b)]
    assert len(bodies) > len(OUTLINE_2015), "several chunks per report"
    systems = {json.dumps(b["messages"][0], ensure_ascii=False) for b in bodies}
    assert len(systems) == 1, "one system message for all chunks and reports under outline-2015"
    assert all(b["messages"][0]["role"] == "system" for b in bodies)


def test_the_user_message_holds_only_the_heading_path_and_numbered_sentences(tmp_path: Path) -> None:
    doc = load_document(seed_path("004_e694e6b91e23d625"), max_chunk_chars=1200)
    bodies = [
        b for b in requests_for(["004_e694e6b91e23d625"], tmp_path, max_chunk_chars=1200) if not is_summary(b)
    ]
    shown = [n for b in bodies for n, _ in sentences(b)]
    assert sorted(shown) == list(range(1, len(doc.sentences) + 1)), "every sentence shown once, by its number"
    for body in bodies:
        user = body["messages"][-1]["content"]
        assert user.startswith("位置：") and "报告：" not in user and "第1段" not in user
        for n, text in sentences(body):
            assert doc.sentences[n - 1].text == text, "a number means the same sentence everywhere"
        assert chunk_text(body).count("\n") + 1 == len(sentences(body))


def test_characters_sent_per_report_character_at_the_default_settings(tmp_path: Path) -> None:
    """The budget of the request (item 4 of the issue): at most 1.5 characters sent per character
    of the report, summary call included."""
    seeds = sorted(p.stem for p in REPORTS.glob("*.txt"))
    bodies = requests_for(seeds, tmp_path)
    sent = sum(len(m["content"]) for b in bodies for m in b["messages"])
    report = sum(len(load_document(seed_path(s)).text) for s in seeds)
    assert sent / report <= 1.5, f"{sent / report:.2f} characters sent per report character"
