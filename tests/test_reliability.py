"""Reliability: injected endpoint faults, interruption, concurrent runs, secrets, cache integrity."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from scorer.assess import Options, assess_file
from scorer.cache import Cache
from scorer.extract import Extractor
from scorer.outline import load_outline
from scorer.pipeline import load_document

from conftest import SCORER, SEEDS, hermetic_env, run, seed_path
from llm_fakes import SENTINEL_KEY, chunk_requests, honest_answer, is_summary, settings_for
from stub_server import FaultPlan, Reply, StubServer

ROOT = Path(__file__).parent.parent


def cache_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def temp_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_thirty_percent_faults_lose_nothing(tmp_path: Path) -> None:
    """Every kind of fault at a 30% rate: each report completes or names its failed chunks; a clean re-run
    asks only for those."""
    plan = FaultPlan(rate=0.3, seed=20261121, hang_seconds=2.0)
    with StubServer(honest_answer, faults=plan) as server:
        settings = settings_for(
            server.base_url, tmp_path, max_concurrency=1, timeout=1.0, network_retries=2, validation_retries=1
        )
        options = Options(backend="llm", settings=settings, max_chunk_chars=1000)
        failed: dict[str, list[int]] = {}
        chunks = 0
        for seed in SEEDS:
            result = assess_file(seed_path(seed), options)
            chunks += result.extraction.chunks
            failed[seed] = [f.chunk for f in result.extraction.failed_chunks]
            for f in result.extraction.failed_chunks:
                assert f.reason and SENTINEL_KEY not in f.reason
            assert result.card.provenance["failed_chunks"] == [
                f.model_dump() for f in result.extraction.failed_chunks
            ]
        kinds = set(server.faults_injected)
        assert {"429", "500", "503", "timeout", "invalid_json", "schema_invalid"} & kinds
        assert len(server.faults_injected) >= chunks * 0.2
        server.faults = None
        before = len(chunk_requests(server))
        for seed in SEEDS:
            assert not assess_file(seed_path(seed), options).extraction.failed_chunks
        assert len(chunk_requests(server)) - before == sum(len(v) for v in failed.values())
    assert not temp_files(tmp_path)


def scorer_env(**extra: str) -> dict[str, str]:
    """Hermetic, with the sentinel key that must never show up in any output or file."""
    return hermetic_env(OPENAI_API_KEY=SENTINEL_KEY, **extra)


def batch_cmd(server: StubServer, reports: Path, out: Path, cache: Path, *extra: str) -> list[str]:
    return [
        *SCORER,
        "batch",
        str(reports),
        "--out",
        str(out),
        "--backend",
        "llm",
        "--base-url",
        server.base_url,
        "--model",
        "stub-model",
        "--mode",
        "json",
        "--cache-dir",
        str(cache),
        "--max-chunk-chars",
        "1000",
        "--jobs",
        "1",
        "-j",
        "2",
        *extra,
    ]


def copy_seeds(target: Path) -> Path:
    target.mkdir(parents=True)
    for seed in SEEDS:
        (target / f"{seed}.txt").write_bytes(seed_path(seed).read_bytes())
    return target


def _as_in_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it. A test run started in the background by a shell without
    job control inherits SIGINT ignored, and Python then keeps ignoring it in the child."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_batch_keeps_finished_work_and_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    reports, out, cache = copy_seeds(tmp_path / "reports"), tmp_path / "out", tmp_path / "cache"
    with StubServer(honest_answer, latency=0.3) as server:
        proc = subprocess.Popen(
            batch_cmd(server, reports, out, cache),
            cwd=ROOT,
            env=scorer_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_as_in_a_terminal,
        )
        deadline = time.monotonic() + 60
        while not list(out.glob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Signal as soon as one report is written: the other four still have seconds of calls to
        # make (0.3 s each), so the batch is interrupted mid-way however fast the machine is.
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        assert "interrupted" in stderr and "Traceback" not in stderr
        finished = sorted(out.glob("*.json"))
        assert finished and len(finished) < len(SEEDS)
        for card in finished:
            json.loads(card.read_text("utf-8"))
            assert card.with_suffix(".md").exists()
        assert not temp_files(out, cache)
        for entry in cache_files(cache):
            json.loads(entry.read_text("utf-8"))
        entries = [json.loads(e.read_text("utf-8"))["request"] for e in cache_files(cache)]
        cached = sum(1 for request in entries if not is_summary(request))
        requests_before = len(chunk_requests(server))
        done = subprocess.run(
            batch_cmd(server, reports, out, cache),
            cwd=ROOT,
            env=scorer_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert f"跳过 {len(finished)} 份" in done.stderr
        total_chunks = sum(len(load_document(seed_path(s), max_chunk_chars=1000).chunks) for s in SEEDS)
        assert len(chunk_requests(server)) - requests_before == total_chunks - cached


@pytest.mark.slow
def test_two_batches_sharing_a_cache(tmp_path: Path) -> None:
    reports, cache = copy_seeds(tmp_path / "reports"), tmp_path / "cache"
    with StubServer(honest_answer, latency=0.05) as server:
        procs = [
            subprocess.Popen(
                batch_cmd(server, reports, tmp_path / f"out{i}", cache),
                cwd=ROOT,
                env=scorer_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in (1, 2)
        ]
        for proc in procs:
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
        single = subprocess.run(
            batch_cmd(server, reports, tmp_path / "out3", cache),
            cwd=ROOT,
            env=scorer_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert single.returncode == 0, single.stderr
    for entry in cache_files(cache):
        data = json.loads(entry.read_text("utf-8"))
        assert entry.stem == data["key"]
    assert not temp_files(cache)

    def cards(out: Path) -> dict[str, dict]:
        result = {}
        for p in sorted(out.glob("0*.json")):
            card = json.loads(p.read_text("utf-8"))
            card.pop("usage")
            result[p.name] = card
        return result

    assert cards(tmp_path / "out1") == cards(tmp_path / "out2") == cards(tmp_path / "out3")
    assert len(cards(tmp_path / "out1")) == len(SEEDS)


@pytest.mark.parametrize("reply", ["401", "500", "refused"])
def test_the_api_key_never_leaks(tmp_path: Path, reply: str) -> None:
    replies = {"401": Reply.status(401), "500": Reply.status(500)}
    with StubServer(lambda request: replies.get(reply, Reply.status(500))) as server:
        base = "http://127.0.0.1:9/v1" if reply == "refused" else server.base_url
        out = run(
            "score",
            str(seed_path("002_544a7fdbaf4d16e8")),
            "--backend",
            "llm",
            "--base-url",
            base,
            "--model",
            "m",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--out",
            str(tmp_path / "out"),
            "--max-chunk-chars",
            "3000",
            "--timeout",
            "2",
            cwd=ROOT,
            env=scorer_env(SCORER_DEBUG="1"),
            timeout=120,
        )
        if reply != "refused":
            assert server.requests and all(
                r.headers["authorization"] == f"Bearer {SENTINEL_KEY}" for r in server.requests
            )
    assert out.returncode == 3, out.stderr
    assert SENTINEL_KEY not in out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    for path in cache_files(tmp_path):
        assert SENTINEL_KEY not in path.read_text("utf-8")
    # Every chunk failed: one error line naming the cause, and no memo (a failure is never a score).
    errors = [line for line in out.stderr.splitlines() if line.startswith("scorer: error:")]
    assert len(errors) == 1 and ("HTTP" in errors[0] or "cannot reach" in errors[0]), out.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_cache_entry_whose_request_does_not_match_its_key_is_ignored(tmp_path: Path) -> None:
    doc = load_document(seed_path("002_544a7fdbaf4d16e8"), max_chunk_chars=3000)
    outline = load_outline("outline-2021")
    with StubServer(honest_answer) as server:
        settings = settings_for(server.base_url, tmp_path)
        Extractor(settings, outline).extract(doc)
        victim = cache_files(tmp_path / "cache")[0]
        entry = json.loads(victim.read_text("utf-8"))
        entry["request"]["messages"][-1]["content"] += "（篡改）"
        victim.write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
        extractor = Extractor(settings, outline)
        extractor.extract(doc)
    assert any("does not match its key" in p for p in extractor.cache.problems)
    assert len(server.requests) == len(doc.chunks) + 1
    assert Cache(tmp_path / "cache").get(entry["key"], entry["request"], extractor.model) is None


@pytest.mark.parametrize("name", ["..evil.txt", "a|b<script>.txt", "报告 (1).txt", "-rf.txt"])
def test_output_names_stay_inside_out(tmp_path: Path, name: str) -> None:
    reports = tmp_path / "in"
    reports.mkdir()
    (reports / name).write_bytes(seed_path("002_544a7fdbaf4d16e8").read_bytes())
    out = tmp_path / "out"
    done = run("batch", str(reports), "--out", str(out), "--backend", "rules", cwd=ROOT, env=scorer_env())
    assert done.returncode == 0, done.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent != reports]
    assert written and all(p.parent == out for p in written)
    assert all(not p.name.startswith((".", "-")) for p in written)
