"""Endpoints that say what they do, and Ctrl-C that stops (issue 13, item 5).

No call ever goes to an endpoint the user did not configure; a named model is never answered by
the rules; a batch re-scores whatever would change its answers; Ctrl-C ends LLM work at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorer.assess import choose_backend
from scorer.errors import UsageError
from scorer.llm import NO_ENDPOINT, resolve_settings

from conftest import TESTS, run, seed_path

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
