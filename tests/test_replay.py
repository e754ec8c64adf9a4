"""Real responses recorded from a local Qwen2.5-Coder-1.5B (see cache/README.md), replayed offline.

These entries were produced by the real pipeline against a real model; the tests replay them
with `--cache replay`, which never touches the network, and snapshot the merged extraction, the
memo and the JSON. The small model's answers are poor (it often quotes the prompt instead of the
report); the scorer must say so, not reward it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run, seed_path
from test_score import snapshot

ROOT = Path(__file__).parent.parent


# The seeds and the settings they were recorded with (cache/README.md).
# Seed 000 at 1000 characters per chunk, the others at 500 (this model's answers to longer chunks
# ran past the token limit); 2048 answer tokens for all.
RECORDED_SEEDS = [
    "000_bbf3d8a01ec62c26",
    "001_b1447d7b30bc702a",
    "002_544a7fdbaf4d16e8",
    "003_8d0d213d0836cbcc",
    "004_e694e6b91e23d625",
]


def recorded(seed: str) -> list[str]:
    chunk_chars = "1000" if seed.startswith("000") else "500"
    return [
        *("--cache", "replay", "--cache-dir", str(ROOT / "cache")),
        *("--base-url", "http://127.0.0.1:8081/v1", "--model", "qwen2.5-coder-1.5b", "--mode", "json"),
        *("--max-chunk-chars", chunk_chars, "--max-tokens", "2048"),
    ]


# Chunks with no recorded answer: the model's answers to them (and to their halves and quarters)
# all ran past --max-tokens. They replay as failed, and the scorer names them.
UNANSWERED = {"000_bbf3d8a01ec62c26": [4], "002_544a7fdbaf4d16e8": [5]}


@pytest.mark.parametrize("seed", RECORDED_SEEDS)
def test_every_seed_replays_without_network(seed: str) -> None:
    out = run("extract", str(seed_path(seed).relative_to(ROOT)), *recorded(seed), "--json")
    assert out.returncode == (1 if seed in UNANSWERED else 0), out.stderr
    data = json.loads(out.stdout)
    assert [f["chunk"] for f in data["failed_chunks"]] == UNANSWERED.get(seed, [])
    assert data["usage"]["calls"] == 0
    assert data["usage"]["cache_hits"] >= data["chunks"] - len(data["failed_chunks"])
    assert data["model"] == "qwen2.5-coder-1.5b"
    snapshot(f"{seed}.llm-extraction.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@pytest.mark.parametrize("seed", RECORDED_SEEDS)
def test_scoring_recorded_responses(seed: str, tmp_path: Path) -> None:
    out = run(
        "score",
        str(seed_path(seed).relative_to(ROOT)),
        "--backend",
        "llm",
        *recorded(seed),
        "--out",
        str(tmp_path),
    )
    assert out.returncode == (1 if seed in UNANSWERED else 0), out.stderr
    card = json.loads((tmp_path / f"{seed}.json").read_text("utf-8"))
    assert card["backend"] == "llm" and card["usage"]["calls"] == 0
    for figure in card["figures"]:
        assert figure["status"] in {"verified", "mismatch", "unsupported"}
        assert not figure["earns"] or figure["status"] == "verified"
    credited: dict[tuple[int, ...], str] = {}
    for dim in card["dimensions"]:
        for measure in dim["measures"]:
            assert measure["credit"] == 0 or measure["quote"]["status"] != "not_found"
            if measure["credit"] > 0:  # the model's word is checked: only work done earns, once
                assert measure["role"] in {"done", "result"}, measure
                assert credited.setdefault(tuple(measure["sentences"]), dim["id"]) == dim["id"], measure
    assert card["total"] <= 100
    snapshot(f"{seed}.llm.md", (tmp_path / f"{seed}.md").read_text("utf-8"))
    snapshot(f"{seed}.llm.json", (tmp_path / f"{seed}.json").read_text("utf-8"))


def test_cache_files_say_how_they_were_recorded() -> None:
    entries = sorted((ROOT / "cache").rglob("*.json"))
    assert entries
    for path in entries:
        entry = json.loads(path.read_text("utf-8"))
        assert entry["recorded"]["model"] == "qwen2.5-coder-1.5b"
        assert entry["recorded"]["endpoint"] == "127.0.0.1:8081/v1"
        assert entry["completions"] or entry["recorded"].get("assembled_from")
        assert "api_key" not in json.dumps(entry)
