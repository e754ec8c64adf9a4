"""LLM extraction through the real openai + instructor client, over HTTP, against the stub server."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from scorer.extract import Extractor, split_in_half
from scorer.labels import sentences_in
from scorer.llm import resolve_mode, resolve_settings, strip_think
from scorer.outline import load_outline
from scorer.pipeline import load_document
from scorer.prompts import numbered
from scorer.sentences import split_sentences

from conftest import hermetic_env, seed_path
from conftest import run as run_cli
from llm_fakes import SENTINEL_KEY, chunk_text, honest_answer, settings_for
from stub_server import Reply, StubServer

OUTLINE = load_outline("outline-2021")


@pytest.fixture(scope="module")
def doc():
    return load_document(seed_path("002_544a7fdbaf4d16e8"), max_chunk_chars=1000)


def run(server: StubServer, tmp_path: Path, doc, **overrides):
    extractor = Extractor(settings_for(server.base_url, tmp_path, **overrides), OUTLINE)
    return extractor, extractor.extract(doc)


def all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema", "md_json"])
def test_every_mode_parses(tmp_path: Path, doc, mode: str) -> None:
    with StubServer(honest_answer) as server:
        _, result = run(server, tmp_path, doc, mode=mode)
    assert not result.failed_chunks
    assert len(result.dimensions["functions"]) == len(doc.chunks)
    assert result.usage.calls == len(doc.chunks)
    if mode == "tools":
        assert "tools" in server.requests[0].body
    if mode == "json":
        assert server.requests[0].body["response_format"] == {"type": "json_object"}


def test_faults_each_recover(tmp_path: Path, doc) -> None:
    script = [
        Reply.status(429, headers={"Retry-After": "1"}),
        Reply.status(500),
        Reply.status(500),
        Reply.hang(3.0),
        Reply.raw_content("{not json"),
        Reply.ok({"functions": "not a list"}),
    ]
    with StubServer(honest_answer, script=script) as server:
        started = time.monotonic()
        _, result = run(server, tmp_path, doc, max_concurrency=1, timeout=1.0, max_wait=5.0)
        elapsed = time.monotonic() - started
    assert not result.failed_chunks, result.failed_chunks
    assert elapsed >= 1.0, "Retry-After was not honoured"
    assert result.usage.calls == len(doc.chunks) + len(script)


def test_a_chunk_that_always_fails_is_named_and_the_rest_are_kept(tmp_path: Path, doc) -> None:
    poisoned = chunk_text_of(doc, 1)

    def responder(request: dict) -> Reply:
        return Reply.status(503) if chunk_text(request) == poisoned else honest_answer(request)

    with StubServer(responder) as server:
        _, result = run(server, tmp_path, doc, network_retries=2)
        assert [f.chunk for f in result.failed_chunks] == [1]
        assert "HTTP 503" in result.failed_chunks[0].reason
        assert result.usage.calls == len(doc.chunks) - 1 + 3, "the failed chunk's three calls count"
        assert len(all_files(tmp_path / "cache")) == len(doc.chunks) - 1
        before = len(server.requests)
        server.responder = honest_answer
        _, again = run(server, tmp_path, doc)
    assert len(server.requests) == before + 1 and not again.failed_chunks


def chunk_text_of(doc, index: int) -> str:
    """What the model is shown of a chunk: its sentences, numbered."""
    chunk = doc.chunks[index]
    return numbered(sentences_in(doc, chunk.start, chunk.end))


def test_concurrency_is_bounded(tmp_path: Path, doc) -> None:
    with StubServer(honest_answer, latency=0.3) as server:
        run(server, tmp_path, doc, max_concurrency=2, cache="off")
    assert server.max_in_flight == 2


def test_second_run_makes_no_request_and_leaves_no_temp_files(tmp_path: Path, doc) -> None:
    with StubServer(honest_answer) as server:
        _, first = run(server, tmp_path, doc)
        count = len(server.requests)
        _, second = run(server, tmp_path, doc)
    assert count == len(doc.chunks) and len(server.requests) == count
    assert second.usage.cache_hits == len(doc.chunks) and second.usage.calls == 0
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert not [p for p in all_files(tmp_path) if p.suffix == ".tmp" or p.name.startswith(".")]


def test_corrupt_cache_entry_is_reported_and_refetched(tmp_path: Path, doc) -> None:
    with StubServer(honest_answer) as server:
        run(server, tmp_path, doc)
        victim = sorted(all_files(tmp_path / "cache"))[0]
        victim.write_text("{ truncated", "utf-8")
        extractor, _result = run(server, tmp_path, doc)
    assert len(server.requests) == len(doc.chunks) + 1
    assert any("corrupt" in p for p in extractor.cache.problems)
    assert json.loads(victim.read_text("utf-8"))["parsed"]


def test_stale_entry_that_no_longer_validates_is_ignored(tmp_path: Path, doc) -> None:
    with StubServer(honest_answer) as server:
        run(server, tmp_path, doc)
        victim = sorted(all_files(tmp_path / "cache"))[0]
        entry = json.loads(victim.read_text("utf-8"))
        entry["parsed"]["functions"] = "not a list"
        victim.write_text(json.dumps(entry), "utf-8")
        extractor, _ = run(server, tmp_path, doc)
    assert any("no longer matches the schema" in p for p in extractor.cache.problems)


def test_replay_never_touches_the_network_and_names_missing_chunks(tmp_path: Path, doc) -> None:
    settings = settings_for("http://127.0.0.1:9/v1", tmp_path, cache="replay")
    result = Extractor(settings, OUTLINE).extract(doc)
    assert [f.chunk for f in result.failed_chunks] == list(range(len(doc.chunks)))
    assert all("not in the cache" in f.reason for f in result.failed_chunks)


def test_api_key_never_written(tmp_path: Path, doc) -> None:
    with StubServer(honest_answer) as server:
        _, result = run(server, tmp_path, doc)
    assert server.requests[0].headers["authorization"] == f"Bearer {SENTINEL_KEY}"
    for path in all_files(tmp_path):
        assert SENTINEL_KEY not in path.read_text("utf-8")
    assert SENTINEL_KEY not in result.model_dump_json()


def test_think_blocks_are_stripped(tmp_path: Path, doc) -> None:
    assert strip_think('<think>先想一想{}</think>\n{"a": 1}') == '{"a": 1}'

    def thinking(request: dict) -> Reply:
        answer = honest_answer(request)
        return Reply.ok(answer.render(request).body["choices"][0]["message"]["content"], think="推理……")

    with StubServer(thinking) as server:
        _, result = run(server, tmp_path, doc, mode="json")
    assert not result.failed_chunks


def test_truncated_answer_splits_the_chunk(tmp_path: Path, doc) -> None:
    longest = max(doc.chunks, key=lambda c: c.end - c.start)
    target = chunk_text_of(doc, longest.index)

    def responder(request: dict) -> Reply:
        if chunk_text(request) == target:
            return Reply.raw_content('{"f": [{"s": [', finish_reason="length", usage=(0, 7777))
        return honest_answer(request)

    with StubServer(responder) as server:
        _, result = run(server, tmp_path, doc)
    assert not result.failed_chunks
    assert result.usage.calls == len(doc.chunks) + 2, "the truncated call and both halves count"
    assert result.usage.completion_tokens > 7777, "the truncated answer's tokens were spent too"
    halves = [chunk_text(r.body) for r in server.requests if chunk_text(r.body) != target]
    halves = [h for h in halves if h in target]
    assert len(halves) == 2 and "\n".join(sorted(halves, key=target.index)) == target


def test_split_in_half_cuts_near_the_middle_and_never_after_a_heading() -> None:
    sentences = split_sentences("一、总体情况\n第一句写了很多很多内容。第二句也不短。\n二、问题\n第三句。")
    first, second = split_in_half(sentences)
    assert first + second == sentences and first and second
    assert not first[-1].heading, "a heading is never the last thing before the cut"
    assert [s.text for s in first] == ["一、总体情况", "第一句写了很多很多内容。"]


def test_settings_precedence(tmp_path: Path) -> None:
    config = tmp_path / "scorer.toml"
    config.write_text(
        '[llm]\nmodel = "from-config"\nbase_url = "http://config/v1"\nmax_tokens = 99\n', "utf-8"
    )
    env = {"SCORER_MODEL": "from-env", "OPENAI_API_KEY": "k"}
    settings = resolve_settings({"model": None, "base_url": "http://flag/v1"}, env=env, config=config)
    assert (settings.model, settings.base_url, settings.max_tokens) == ("from-env", "http://flag/v1", 99)
    assert resolve_settings({"model": "from-flag"}, env=env, config=config).model == "from-flag"
    assert not resolve_settings({}, env={}).endpoint_configured


@pytest.mark.parametrize(
    ("url", "mode"),
    [
        ("https://api.openai.com/v1", "tools"),
        ("https://api.deepseek.com/v1", "tools"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "tools"),
        ("http://localhost:11434/v1", "json_schema"),
        ("http://gpu-box:8000/v1", "json_schema"),
        ("http://127.0.0.1:8081/v1", "json"),
    ],
)
def test_auto_mode_per_endpoint(url: str, mode: str) -> None:
    assert resolve_mode("auto", url) == mode


def test_threads_do_not_leak(tmp_path: Path, doc) -> None:
    before = threading.active_count()
    with StubServer(honest_answer) as server:
        run(server, tmp_path, doc)
    time.sleep(0.2)
    assert threading.active_count() <= before + 1


def test_cli_flags_reach_the_client(tmp_path: Path) -> None:
    """--timeout must reach the HTTP client (it once did not, and slow local models were asked twice)."""
    config = tmp_path / "scorer.toml"
    config.write_text("[llm]\nnetwork_retries = 0\nvalidation_retries = 0\n", "utf-8")
    with StubServer(lambda request: Reply.hang(3.0)) as server:
        started = time.monotonic()
        out = run_cli(
            "extract",
            str(seed_path("002_544a7fdbaf4d16e8")),
            "--config",
            str(config),
            "--base-url",
            server.base_url,
            "--model",
            "m",
            "--timeout",
            "1",
            "--cache",
            "off",
            "--json",
            env=hermetic_env(OPENAI_API_KEY="k"),
        )
        elapsed = time.monotonic() - started
    assert out.returncode == 3, out.stderr
    assert "timed out" in out.stderr
    assert elapsed < 30, "the 120 s default timeout was used, not --timeout 1"
