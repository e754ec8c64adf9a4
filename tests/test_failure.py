"""A failed extraction is never a score: one error line and exit 3 when every chunk fails, a
provisional grade when some fail, and batch rankings that hold neither failures nor documents
that were not graded."""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from scorer.assess import Options, assess_file
from scorer.batch import Job, Outcome, ranking
from scorer.errors import ExtractionFailed
from scorer.labels import sentences_in
from scorer.llm import NO_ENDPOINT
from scorer.memo import md_escape
from scorer.pipeline import load_document

from conftest import TESTS, hermetic_env, run, seed_path
from llm_fakes import SENTINEL_KEY, chunk_text, honest_answer, sentences, settings_for
from stub_server import Reply, StubServer, error_body

ROOT = TESTS.parent
REPORT = seed_path("000_bbf3d8a01ec62c26")  # three chunks at --max-chunk-chars 3000
OTHER = seed_path("004_e694e6b91e23d625")
CHUNK_CHARS = "3000"
# A government work report (政府工作报告), copied into the tests by the document-gate work.
NEGATIVE = TESTS / "data" / "negatives" / "2023年南山区政府工作报告_2023.txt"


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def llm_args(tmp_path: Path, base_url: str | None, *extra: str) -> list[str]:
    """`scorer score` with the LLM backend; no network retries, so faults end fast."""
    config = tmp_path / "scorer.toml"
    config.write_text("[llm]\nnetwork_retries = 0\nmax_wait = 0.05\n", "utf-8")
    args = ["--backend", "llm", "--model", "m", "--mode", "json", "--config", str(config)]
    args += ["--cache-dir", str(tmp_path / "cache"), "--max-chunk-chars", CHUNK_CHARS, "--timeout", "5"]
    return args + (["--base-url", base_url] if base_url else []) + list(extra)


def score_twice(tmp_path: Path, base_url: str | None, env: dict[str, str]) -> list[Any]:
    """The same scoring run with the memo on stdout, then with --out: (stdout run, --out run)."""
    to_stdout = run("score", str(REPORT), *llm_args(tmp_path, base_url), cwd=ROOT, env=env, timeout=120)
    out = tmp_path / "out"
    to_dir = run(
        "score", str(REPORT), *llm_args(tmp_path, base_url, "--out", str(out)), cwd=ROOT, env=env, timeout=120
    )
    return [to_stdout, to_dir]


def assert_one_error_line(tmp_path: Path, runs: list[Any], expected: str) -> None:
    for r in runs:
        assert r.returncode == 3, r.stderr
        assert r.stdout == "", "a memo was printed for a report with nothing extracted"
        assert r.stderr.strip().splitlines() == [expected], r.stderr
        assert SENTINEL_KEY not in r.stdout + r.stderr
    out = tmp_path / "out"
    assert not out.exists() or not list(out.iterdir()), "files were written for a failed report"


def test_unreachable_endpoint_is_one_error_line(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}/v1"
    runs = score_twice(tmp_path, base, hermetic_env(OPENAI_API_KEY=SENTINEL_KEY))
    assert_one_error_line(
        tmp_path, runs, f"scorer: error: {REPORT}: cannot reach {base} (connection refused)"
    )


def test_http_401_names_the_status_and_the_servers_message(tmp_path: Path) -> None:
    denied = Reply.status(401, body=error_body(401, f"invalid api key {SENTINEL_KEY}"))
    with StubServer(lambda request: denied) as server:
        base = server.base_url
        runs = score_twice(tmp_path, base, hermetic_env(OPENAI_API_KEY=SENTINEL_KEY))
        assert len(server.requests) == 2 * 3, "each chunk asked once: a 401 is not retried"
    expected = f"scorer: error: {REPORT}: HTTP 401 from {base}: invalid api key ***"
    assert_one_error_line(tmp_path, runs, expected)


def test_http_404_from_a_wrong_path(tmp_path: Path) -> None:
    with StubServer(honest_answer) as server:
        base = f"http://127.0.0.1:{server.port}/wrong/v1"
        runs = score_twice(tmp_path, base, hermetic_env(OPENAI_API_KEY=SENTINEL_KEY))
    expected = f"scorer: error: {REPORT}: HTTP 404 from {base}: no route for POST /wrong/v1/chat/completions"
    assert_one_error_line(tmp_path, runs, expected)


def test_no_endpoint_configured_fails_before_any_call(tmp_path: Path) -> None:
    """A usage error (exit 2), not an endpoint failure: nothing was called (tests/test_endpoints.py)."""
    for r in score_twice(tmp_path, None, hermetic_env()):
        assert r.returncode == 2, r.stderr
        assert r.stdout == "" and r.stderr.strip().splitlines() == [f"scorer: error: {NO_ENDPOINT}"]
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.json"))


def test_every_chunk_failing_raises_in_the_library(tmp_path: Path) -> None:
    with StubServer(lambda request: Reply.status(401)) as server:
        options = Options(
            backend="llm", settings=settings_for(server.base_url, tmp_path), max_chunk_chars=3000
        )
        with pytest.raises(ExtractionFailed) as raised:
            assess_file(REPORT, options)
    assert raised.value.exit_code == 3
    assert str(raised.value).count("HTTP 401") == 1, "identical reasons are given once"


def failing_chunk(index: int) -> tuple[str, Any]:
    """A stub responder that refuses (HTTP 400, not retried) the chunk `index` of REPORT only."""
    doc = load_document(REPORT, max_chunk_chars=int(CHUNK_CHARS))
    assert len(doc.chunks) == 3
    chunk = doc.chunks[index]
    marker = f"[{sentences_in(doc, chunk.start, chunk.end)[0].index}]"

    def responder(request: dict[str, Any]) -> Reply:
        if chunk_text(request).startswith(marker):
            return Reply.status(400, body=error_body(400, "chunk rejected by the test"))
        return honest_answer(request)

    return doc.chunks[index].title, responder


def test_partial_failure_gives_a_provisional_grade(tmp_path: Path) -> None:
    title, responder = failing_chunk(1)
    env = hermetic_env(OPENAI_API_KEY=SENTINEL_KEY)
    with StubServer(responder) as server:
        as_json = run("score", str(REPORT), *llm_args(tmp_path, server.base_url, "--json"), cwd=ROOT, env=env)
        memo = run("score", str(REPORT), *llm_args(tmp_path, server.base_url), cwd=ROOT, env=env)
    assert as_json.returncode == 1, as_json.stderr
    card = json.loads(as_json.stdout)
    assert card["provisional"] is True and card["grade"]
    assert [f["chunk"] for f in card["provenance"]["failed_chunks"]] == [1]
    assert memo.returncode == 1, memo.stderr
    total_line = next(line for line in memo.stdout.splitlines() if line.startswith("## 总分"))
    assert f"（暂定：{card['grade']}）" in total_line
    assert f"第 2 段（{title}" in memo.stdout and "抽取失败" in memo.stdout
    assert "暂定" in memo.stderr, "the terminal table must say the grade is provisional"
    assert "scorer: error:" not in memo.stderr


def test_complete_extraction_is_not_provisional(tmp_path: Path) -> None:
    with StubServer(honest_answer) as server:
        options = Options(
            backend="llm", settings=settings_for(server.base_url, tmp_path), max_chunk_chars=3000
        )
        card = assess_file(REPORT, options).card
    assert card.provisional is False


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a ranking CSV (UTF-8 with a BOM, for Excel)."""
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def test_batch_counts_a_failed_report_and_never_ranks_it(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    good, bad = reports / "good.txt", reports / "bad.txt"
    good.write_bytes(OTHER.read_bytes())
    bad.write_bytes(REPORT.read_bytes())
    bad_text = load_document(bad, max_chunk_chars=int(CHUNK_CHARS)).text

    def responder(request: dict[str, Any]) -> Reply:
        shown = [text for _, text in sentences(request)]
        if shown and all(text in bad_text for text in shown):
            return Reply.status(401, body=error_body(401, "invalid api key"))
        return honest_answer(request)

    out = tmp_path / "out"
    with StubServer(responder) as server:
        base = server.base_url
        args = llm_args(tmp_path, base, "--out", str(out), "--jobs", "1")
        r = run("batch", str(reports), *args, cwd=ROOT, env=hermetic_env(OPENAI_API_KEY=SENTINEL_KEY))
    assert r.returncode == 1, r.stderr
    assert "失败 1 份" in r.stderr, r.stderr
    cause = f"失败 {bad}: HTTP 401 from {base}: invalid api key"
    assert cause in r.stderr.splitlines(), r.stderr
    assert not (out / "bad.md").exists() and not (out / "bad.json").exists()
    assert (out / "good.md").is_file() and (out / "good.json").is_file()
    rows = read_csv(out / "ranking.csv")
    assert [(row["文件"], row["排名"], row["评分暂定"], row["评分失败"]) for row in rows] == [
        ("good.txt", "1", "否", "否"),
        ("bad.txt", "", "否", "是"),  # listed with its cause, never ranked
    ]
    assert "HTTP 401" in rows[1]["说明"]
    ranked, failed = (out / "ranking.md").read_text("utf-8").split("## 评分失败")
    assert "bad.txt" not in ranked and "bad.txt" in failed
    assert read_csv(out / "not_graded.csv") == []


def rules_card(**changes: Any) -> dict[str, Any]:
    options = Options(backend="rules")
    card = assess_file(OTHER, options).card.model_dump(mode="json")
    return {**card, **changes}


def test_ranking_keeps_non_graded_and_failed_out_and_marks_provisional() -> None:
    """Built directly (the document gate that sets graded=false may not be there yet)."""
    graded = rules_card()
    provisional = rules_card(provisional=True, total=graded["total"] - 1)
    kind = {"kind": "work_report", "label": "政府工作报告", "evidence": ["政府工作报告"], "forced": False}
    not_graded = rules_card(graded=False, grade=None, total=100.0, kind=kind)
    outcomes = [
        Outcome(Job(Path("gov.txt"), "gov"), not_graded),
        Outcome(Job(Path("good.txt"), "good"), graded),
        Outcome(Job(Path("broken.txt"), "broken"), None, error="broken.txt: HTTP 401 from x: no"),
        Outcome(Job(Path("half.txt"), "half"), provisional, partial=True),
    ]
    files = ranking(outcomes)
    rows = read_csv_text(files.csv)
    assert [(r["排名"], r["文件"], r["评分暂定"], r["已评级"]) for r in rows] == [
        ("1", "good.txt", "否", "是"),
        ("2", "half.txt", "是", "是"),
        ("", "gov.txt", "否", "否"),
        ("", "broken.txt", "否", "否"),
    ]
    others = read_csv_text(files.not_graded_csv)
    assert [(r["文件"], r["文件类型"], r["依据"]) for r in others] == [
        ("gov.txt", "政府工作报告", "政府工作报告")
    ]
    ranked_part, rest = files.md.split("## 未评级文件")
    assert "gov.txt" not in ranked_part and "broken.txt" not in ranked_part
    assert "gov.txt" in rest and "政府工作报告" in rest
    assert "broken.txt" in rest.split("## 评分失败")[1]


def read_csv_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_batch_lists_a_government_work_report_as_not_graded(tmp_path: Path) -> None:
    """End to end: the document gate marks a 政府工作报告 as not graded, and batch never ranks it."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "good.txt").write_bytes(OTHER.read_bytes())
    (reports / NEGATIVE.name).write_bytes(NEGATIVE.read_bytes())
    out = tmp_path / "out"
    r = run("batch", str(reports), "--out", str(out), "--backend", "rules", cwd=ROOT, env=hermetic_env())
    assert r.returncode == 0, r.stderr
    ranked = [row["文件"] for row in read_csv(out / "ranking.csv") if row["排名"]]
    assert ranked == ["good.txt"]
    assert [row["文件"] for row in read_csv(out / "not_graded.csv")] == [NEGATIVE.name]
    not_graded = (out / "ranking.md").read_text("utf-8").split("## 未评级文件")[1]
    assert md_escape(NEGATIVE.name) in not_graded and "政府工作报告" in not_graded
