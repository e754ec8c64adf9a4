"""Where recorded answers live: ./cache in a checkout, the user's cache directory elsewhere."""

from __future__ import annotations

import json
from pathlib import Path

from scorer.cache import default_cache_dir

from conftest import hermetic_env, run, seed_path

ROOT = Path(__file__).parent.parent
REPLAY = ["--backend", "llm", "--cache", "replay", "--base-url", "http://127.0.0.1:8081/v1"]
REPLAY += ["--model", "qwen2.5-coder-1.5b", "--mode", "md_json"]


def test_a_checkout_uses_its_committed_cache() -> None:
    assert default_cache_dir(ROOT) == ROOT / "cache"


def test_elsewhere_the_users_cache_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(tmp_path) == tmp_path / "xdg" / "scorer"


def test_another_project_named_differently_is_not_a_checkout(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(tmp_path) == tmp_path / "xdg" / "scorer"


def test_replay_from_another_directory_misses_instead_of_scoring(tmp_path: Path) -> None:
    """The README's replay example run elsewhere once scored 2/100 from an empty ./cache."""
    env = hermetic_env(XDG_CACHE_HOME=str(tmp_path / "xdg"))
    proc = run("score", str(seed_path("001_b1447d7b30bc702a")), *REPLAY, env=env, cwd=tmp_path)
    assert proc.returncode == 3
    assert "not in the cache" in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "cache").exists()


def test_the_card_says_which_cache_it_used(tmp_path: Path) -> None:
    env = hermetic_env(SCORER_CACHE_DIR=str(ROOT / "cache"))
    proc = run("score", str(seed_path("001_b1447d7b30bc702a")), *REPLAY, "--json", env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provenance"]["cache_dir"] == str(ROOT / "cache")
    inside = run("score", str(seed_path("001_b1447d7b30bc702a")), *REPLAY, "--json", cwd=ROOT)
    assert json.loads(inside.stdout)["provenance"]["cache_dir"] == "cache"


def test_the_memo_names_the_cache(tmp_path: Path) -> None:
    env = hermetic_env(SCORER_CACHE_DIR=str(ROOT / "cache"))
    proc = run("score", str(seed_path("001_b1447d7b30bc702a")), *REPLAY, env=env, cwd=tmp_path)
    assert f"- 缓存目录：{ROOT / 'cache'}" in proc.stdout
