"""Endpoints that say what they do, and Ctrl-C that stops (issue 13, item 5).

No call ever goes to an endpoint the user did not configure; a named model is never answered by
the rules; a batch re-scores whatever would change its answers; Ctrl-C ends LLM work at once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scorer.assess import Options, choose_backend
from scorer.batch import _signature
from scorer.errors import UsageError
from scorer.interrupt import INTERRUPTED
from scorer.labels import sentences_in
from scorer.llm import NO_ENDPOINT, resolve_settings
from scorer.pipeline import load_document

from conftest import SCORER, SEEDS, TESTS, hermetic_env, run, seed_path
from llm_fakes import SENTINEL_KEY, chunk_requests, chunk_text, honest_answer
from stub_server import Reply, StubServer

ROOT = TESTS.parent
REPORT = seed_path("000_bbf3d8a01ec62c26")
REFUSED = f"scorer: error: {NO_ENDPOINT}"


@pytest.mark.parametrize(
    "args",
    [
        ["extract", str(REPORT)],
        ["score", str(REPORT), "--backend", "llm"],
        ["score", str(REPORT), "--model", "gpt-4o-mini"],  # a named model is a request for the LLM
        ["batch", str(REPORT), "--out", "OUT", "--model", "gpt-4o-mini"],
    ],
    ids=["extract", "score-llm", "score-model", "batch-model"],
)
def test_llm_work_with_no_endpoint_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    r = run(*args, "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [REFUSED]
    assert r.stdout == ""
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()


def test_a_config_file_naming_only_a_model_configures_no_endpoint(tmp_path: Path) -> None:
    """It used to count as configured, and the default endpoint (api.openai.com) was called with no key."""
    (tmp_path / "scorer.toml").write_text('[llm]\nmodel = "qwen-plus"\n', "utf-8")
    settings = resolve_settings({}, env={}, config=tmp_path / "scorer.toml")
    assert not settings.endpoint_configured and settings.model_chosen
    r = run("score", str(REPORT), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().splitlines() == [REFUSED], r.stderr


def test_what_configures_an_endpoint(tmp_path: Path) -> None:
    assert resolve_settings({"base_url": "http://127.0.0.1:8081/v1"}, env={}).endpoint_configured
    assert resolve_settings({}, env={"OPENAI_BASE_URL": "http://h/v1"}).endpoint_configured
    assert resolve_settings({}, env={"OPENAI_API_KEY": "k"}).endpoint_configured, "a key means OpenAI"
    nothing = resolve_settings({}, env={"SCORER_MODE": "json"})
    assert not nothing.endpoint_configured and not nothing.model_chosen
    assert choose_backend("auto", nothing) == "rules"
    named = resolve_settings({"model": "m"}, env={})
    with pytest.raises(UsageError):
        choose_backend("auto", named)
    replay = resolve_settings({"model": "m", "cache": "replay"}, env={})
    assert choose_backend("auto", replay) == "llm", "replay needs no endpoint"


def test_replay_needs_no_endpoint(tmp_path: Path) -> None:
    """The committed answers replay with no endpoint configured: not refused, never a network call."""
    args = ["--backend", "llm", "--cache", "replay", "--cache-dir", str(ROOT / "cache")]
    args += ["--model", "qwen2.5-coder-1.5b", "--mode", "md_json", "--json"]
    r = run("score", str(seed_path("004_e694e6b91e23d625")), *args, cwd=tmp_path)
    assert NO_ENDPOINT not in r.stderr
    assert r.returncode == 3 and "not in the cache" in r.stderr, "the cache key holds the endpoint"


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--cache", "foo", "scorer: error: --cache: Input should be"),
        ("--base-url", "localhost:8081", "scorer: error: --base-url: not an http(s) URL with a host"),
        ("--mode", "foo", "scorer: error: --mode must be one of"),
        ("--backend", "foo", "scorer: error: --backend must be auto, llm or rules"),
    ],
)
def test_a_bad_option_is_a_usage_error(tmp_path: Path, flag: str, value: str, message: str) -> None:
    r = run("score", str(REPORT), flag, value, "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), r.stderr


def test_a_bad_setting_in_the_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "scorer.toml").write_text('[llm]\nbase_url = "localhost:8081"\n', "utf-8")
    r = run("score", str(REPORT), cwd=tmp_path)
    assert r.returncode == 3 and "setting base_url: not an http(s) URL" in r.stderr, r.stderr


# -- resuming a batch ---------------------------------------------------------------------------


def llm_options(**flags: Any) -> Options:
    base = {"base_url": "http://127.0.0.1:8081/v1", "model": "m", "mode": "json"}
    return Options(backend="llm", settings=resolve_settings({**base, **flags}, env={}))


def test_the_resume_signature_holds_everything_that_changes_the_answers(monkeypatch) -> None:
    same = _signature(llm_options(), "r1")
    assert _signature(llm_options(), "r1") == same
    for changed in (
        _signature(llm_options(base_url="http://127.0.0.1:8082/v1"), "r1"),
        _signature(llm_options(model="other"), "r1"),
        _signature(llm_options(mode="md_json"), "r1"),
        _signature(llm_options(max_tokens=512), "r1"),
        _signature(llm_options(), "r2"),  # the rubric file changed
        _signature(Options(backend="rules"), "r1"),
        _signature(Options(backend="llm", kind="annual_report", settings=llm_options().settings), "r1"),
        _signature(Options(backend="llm", max_chunk_chars=1000, settings=llm_options().settings), "r1"),
    ):
        assert changed != same
    monkeypatch.setattr("scorer.prompts.prompt_version", lambda: "999")
    assert _signature(llm_options(), "r1") != same, "a new prompt version re-scores"
    assert "sk-" not in json.dumps(same)


def batch(server: StubServer, reports: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["batch", str(reports), "--out", str(out), "--backend", "llm", "--model", "m"]
    args += ["--cache-dir", str(out.parent / "cache"), "--max-chunk-chars", "3000"]
    env = hermetic_env(OPENAI_API_KEY=SENTINEL_KEY)
    return run(*args, "--base-url", server.base_url, *extra, env=env, cwd=ROOT, timeout=120)


def test_resuming_after_switching_endpoint_or_mode_rescores(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / REPORT.name).write_bytes(REPORT.read_bytes())
    out = tmp_path / "out"
    with StubServer(honest_answer) as first, StubServer(honest_answer) as second:
        assert batch(first, reports, out, "--mode", "json").returncode == 0
        again = batch(first, reports, out, "--mode", "json")
        assert "评分 0 份，跳过 1 份" in again.stderr, again.stderr
        other_mode = batch(first, reports, out, "--mode", "md_json")
        assert other_mode.returncode == 0 and "评分 1 份，跳过 0 份" in other_mode.stderr, other_mode.stderr
        other_endpoint = batch(second, reports, out, "--mode", "md_json")
        assert "评分 1 份，跳过 0 份" in other_endpoint.stderr, other_endpoint.stderr
        assert chunk_requests(second), "the new endpoint was asked"
        card = json.loads((out / f"{REPORT.stem}.json").read_text("utf-8"))
        assert card["provenance"]["options"]["endpoint"] == second.base_url


def test_resuming_after_editing_the_rubric_file_rescores(tmp_path: Path) -> None:
    rubric = tmp_path / "my-rubric.toml"
    rubric.write_text((ROOT / "rubrics" / "outline-2015.toml").read_text("utf-8"), "utf-8")
    args = ["batch", str(REPORT), "--out", str(tmp_path / "out"), "--backend", "rules"]
    args += ["--rubric", str(rubric), "--jobs", "1"]
    assert run(*args).returncode == 0
    assert "跳过 1 份" in run(*args).stderr
    rubric.write_text(rubric.read_text("utf-8") + "\n# edited: any byte changes the digest\n", "utf-8")
    r = run(*args)
    assert "评分 1 份，跳过 0 份" in r.stderr, r.stderr


# -- Ctrl-C ---------------------------------------------------------------------------------------


def _as_in_a_terminal() -> None:
    """A run started in the background without job control inherits SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def first_chunk_fast(doc_path: Path, chunk_chars: int, slow: float) -> Any:
    """A responder answering the report's first chunk at once and every other call after `slow` s."""
    doc = load_document(doc_path, max_chunk_chars=chunk_chars)
    first = doc.chunks[0]
    marker = f"[{sentences_in(doc, first.start, first.end)[0].index}]"

    def responder(request: dict[str, Any]) -> Reply:
        answer = honest_answer(request)
        return answer if chunk_text(request).startswith(marker) else answer.delayed(slow)

    return responder


def wait_for(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.parametrize("command", ["score", "extract"])
def test_ctrl_c_abandons_calls_in_flight_within_two_seconds(tmp_path: Path, command: str) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    args = [*SCORER, command, str(REPORT), "--base-url", "BASE", "--model", "m", "--mode", "json"]
    args += ["--cache-dir", str(cache), "--max-chunk-chars", "3000", "-j", "3"]
    args += ["--backend", "llm", "--out", str(out)] if command == "score" else ["--json"]
    with StubServer(first_chunk_fast(REPORT, 3000, slow=60)) as server:
        args[args.index("BASE")] = server.base_url
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=hermetic_env(OPENAI_API_KEY=SENTINEL_KEY),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_as_in_a_terminal,
        )
        wait_for(lambda: len(list(cache.rglob("*.json"))) == 1 and server.in_flight == 2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        elapsed = time.monotonic() - sent
    assert proc.returncode == 130, stderr
    assert elapsed < 3.0, f"took {elapsed:.2f} s to stop"  # 2 s asked; slack for a loaded machine
    assert stderr.splitlines() == [INTERRUPTED.strip()]
    assert stdout == ""
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert len(entries) == 1, "only the chunk answered before Ctrl-C is cached"
    assert not out.exists() or not list(out.iterdir()), "nothing is written for the interrupted report"


SLOW_CLEANUP = """
import time
from scorer import interrupt
interrupt.install()
try:
    print("working", flush=True)
    time.sleep(60)
except KeyboardInterrupt:
    print("cleaning up", flush=True)
    time.sleep(60)  # e.g. waiting for a pool of processes
"""


def _in_a_terminal(args: list[str]) -> subprocess.Popen[str]:
    """The command as a user's terminal starts it (Ctrl-C not ignored), its output piped here."""
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=hermetic_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_in_a_terminal,
    )


def test_a_second_ctrl_c_exits_at_once() -> None:
    proc = _in_a_terminal([sys.executable, "-c", SLOW_CLEANUP])
    assert proc.stdout is not None
    assert proc.stdout.readline() == "working\n"
    proc.send_signal(signal.SIGINT)
    assert proc.stdout.readline() == "cleaning up\n"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - sent < 2.0
    assert stderr.splitlines() == [INTERRUPTED.strip()]


@pytest.mark.slow
def test_ctrl_c_twice_during_a_rules_batch_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Worker processes used to outlive a second Ctrl-C, blocked forever with the terminal's pipes open."""
    reports, out = tmp_path / "reports", tmp_path / "out"
    reports.mkdir()
    for copy in range(3):
        for seed in SEEDS:
            (reports / f"{copy}_{seed}.txt").write_bytes(seed_path(seed).read_bytes())
    proc = _in_a_terminal(
        [*SCORER, "batch", str(reports), "--out", str(out), "--backend", "rules", "--jobs", "2"]
    )
    wait_for(lambda: bool(list(out.glob("*.json"))))
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)  # EOF only once no worker holds the pipes
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == [INTERRUPTED.strip()]
    time.sleep(0.5)  # a worker finishing a write would show up here
    cards = sorted(p.stem for p in out.glob("*.json"))
    assert cards and cards == sorted(p.stem for p in out.glob("*.md")), "memo and JSON come in pairs"
    assert len(cards) < 3 * len(SEEDS)
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
