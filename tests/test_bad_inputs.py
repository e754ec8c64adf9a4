"""Bad, odd and hostile inputs: every command gives a valid result or one documented error line.

The corpus comes from tests/data/bad/make_bad.py, generated once per module into a temporary
directory. Each case × command runs `python -m scorer` once (results are shared by the tests
below). `extract` runs with `--cache replay` against an empty cache directory, so it never
touches the network and every chunk of a readable report fails as "not in the cache"; it is run
with `--json` so that a result, when there is one, is on stdout.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPORTS, TESTS, hermetic_env, run

_spec = importlib.util.spec_from_file_location("make_bad", TESTS / "data" / "bad" / "make_bad.py")
assert _spec is not None and _spec.loader is not None
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
GOOD_SEEDS = ("000_bbf3d8a01ec62c26", "002_544a7fdbaf4d16e8")

# What each case must give. "error": exit 2 with one "scorer: error:" line naming the file.
# "valid": a result (for extract in replay mode: every chunk failed as not cached, exit 3).
EXPECTED = {
    "empty": "error",
    "whitespace": "error",
    "png": "error",
    "nul_bytes": "error",
    "utf8_truncated": "valid",
    "gbk_undeclared": "valid",
    "big5_undeclared": "valid",
    "utf16_bom": "valid",
    "html_chrome_only": "error",
    "no_headings": "valid",
    "one_long_line": "valid",
    "five_mb": "valid",
    "only_boilerplate": "error",
    "a_directory": "error",
    "missing": "error",
    # chmod 000 does not stop root; for anyone else it is "permission denied".
    "unreadable": "valid" if IS_ROOT else "error",
    "symlink_loop": "error",
}
assert set(EXPECTED) == set(make_bad.CASES)

COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "inspect": lambda f, _w: ["inspect", str(f)],
    "inspect-json": lambda f, _w: ["inspect", str(f), "--json"],
    "figures": lambda f, _w: ["figures", str(f)],
    "figures-json": lambda f, _w: ["figures", str(f), "--json"],
    "extract": lambda f, w: [
        "extract",
        str(f),
        "--json",
        "--cache",
        "replay",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "none",
        "--cache-dir",
        str(w / "empty-cache"),
    ],
    "score": lambda f, _w: ["score", str(f), "--backend", "rules"],
}
# Human output goes to stderr (nothing to stdout); each view ends with a fixed heading or line.
HUMAN = {"inspect": "分块", "figures": "排除的非数字："}
FIVE_MB_COMMANDS = ("inspect-json", "score")
CHUNK_FAILED = re.compile(r"^chunk \d+ failed", re.MULTILINE)

slow = pytest.mark.slow
MATRIX = [
    pytest.param(case, command, id=f"{case}-{command}")
    for case in make_bad.CASES
    if case != "five_mb"
    for command in COMMANDS
] + [pytest.param("five_mb", command, id=f"five_mb-{command}", marks=slow) for command in FIVE_MB_COMMANDS]


@dataclass(frozen=True)
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def timed(args: list[str], cwd: Path, timeout: float = 120) -> Run:
    start = time.perf_counter()
    out = run(*args, env=hermetic_env(COLUMNS="200"), cwd=cwd, timeout=timeout)
    return Run(args, out.returncode, out.stdout, out.stderr, time.perf_counter() - start)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Working directory of every run: no scorer.toml, no cache/ of the project."""
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_bad.make_bad_corpus(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def outcome(corpus: dict[str, Path], workdir: Path) -> Callable[[str, str], Run]:
    """Run one case through one command, once per module."""
    done: dict[tuple[str, str], Run] = {}

    def get(case: str, command: str) -> Run:
        if (case, command) not in done:
            done[case, command] = timed(COMMANDS[command](corpus[case], workdir), workdir)
        return done[case, command]

    return get


def _context(r: Run) -> str:
    return f"exit {r.returncode}; stderr:\n{r.stderr[-1500:]}\nstdout:\n{r.stdout[:300]}"


def _assert_one_error_line(r: Run) -> None:
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("scorer: error:"), _context(r)


@pytest.mark.parametrize(("case", "command"), MATRIX)
def test_contract(outcome: Callable[[str, str], Run], case: str, command: str) -> None:
    """A valid result, or a documented exit code with exactly one `scorer: error:` line."""
    r = outcome(case, command)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, _context(r)
    assert "internal error" not in r.stderr, _context(r)
    if r.returncode == 0:
        if command in HUMAN:
            assert r.stdout == "" and r.stderr.strip(), _context(r)
        else:
            assert r.stdout.strip(), _context(r)
        return
    assert r.returncode in (1, 2, 3), _context(r)
    if command == "extract" and r.returncode in (1, 3) and CHUNK_FAILED.search(r.stderr):
        assert "scorer: error:" not in r.stderr, _context(r)
        json.loads(r.stdout)  # the partial extraction is still printed
        return
    _assert_one_error_line(r)


@pytest.mark.parametrize(("case", "command"), MATRIX)
def test_expected_outcome(
    outcome: Callable[[str, str], Run], corpus: dict[str, Path], case: str, command: str
) -> None:
    """What each case must give: exit 2 naming the file, or a real result."""
    r = outcome(case, command)
    if EXPECTED[case] == "error":
        assert r.returncode == 2, _context(r)
        errors = [line for line in r.stderr.splitlines() if line.startswith("scorer: error:")]
        assert len(errors) == 1 and corpus[case].name in errors[0], _context(r)
        assert r.stdout == "", _context(r)
        return
    if command == "extract":  # replay with an empty cache: every chunk is named as not cached
        assert r.returncode == 3, _context(r)
        result = json.loads(r.stdout)
        assert result["chunks"] >= 1 and len(result["failed_chunks"]) == result["chunks"], _context(r)
        assert len(CHUNK_FAILED.findall(r.stderr)) == result["chunks"], _context(r)
        assert all("not in the cache" in f["reason"] for f in result["failed_chunks"]), _context(r)
        return
    assert r.returncode == 0, _context(r)
    if command in HUMAN:
        assert r.stdout == "" and HUMAN[command] in r.stderr, _context(r)
    elif command == "score":
        # A memo: of an annual report, or of a document the gate refuses to grade (it says so first).
        assert r.stdout.startswith(("# 法治政府建设报告评估", "不予评级：")), _context(r)
    else:
        data = json.loads(r.stdout)
        assert data["source"] == str(corpus[case]), _context(r)
        if command == "figures-json":
            assert data["figures"], "a report without a single figure found"


# What the readable cases must decode to (inspect --json).
DECODED = {
    "gbk_undeclared": ("gb18030", "浏阳市", 2020),
    "big5_undeclared": ("big5", "相山区", 2020),
    "utf16_bom": ("utf-16", "株洲市", None),
    "utf8_truncated": ("utf-8", "荷塘区", 2024),
    "no_headings": ("utf-8", "荷塘区", 2024),
    "one_long_line": ("utf-8", "荷塘区", 2024),
}


@pytest.mark.parametrize("case", sorted(DECODED))
def test_decoded_as_expected(outcome: Callable[[str, str], Run], corpus: dict[str, Path], case: str) -> None:
    r = outcome(case, "inspect-json")
    assert r.returncode == 0, _context(r)
    data = json.loads(r.stdout)
    encoding, region, year = DECODED[case]
    assert data["metadata"]["encoding"] == encoding
    assert data["metadata"]["region"] == region
    if year is not None:
        assert data["metadata"]["year"] == year
    assert all(c["chars"] <= 6000 for c in data["chunks"]), [c["chars"] for c in data["chunks"]]
    if case == "utf8_truncated":  # everything before the cut character is kept
        kept = corpus[case].read_bytes()[:-1].decode("utf-8")
        assert data["text"].endswith(kept.rstrip()[-20:])
    if case == "one_long_line":  # 50,000 characters on one line still become bounded chunks
        assert len(data["chunks"]) >= 50_000 // 6000
    if case == "no_headings":
        assert not any(re.match(r"[一二三四五六七八九十]+、", c["title"]) for c in data["chunks"])


def test_symlink_loop_is_not_called_missing(outcome: Callable[[str, str], Run]) -> None:
    """A symlink loop exists (ls lists it) but cannot be opened: the message should say so."""
    r = outcome("symlink_loop", "inspect")
    assert r.returncode == 2, _context(r)
    assert "no such file" not in r.stderr, _context(r)


@slow
def test_five_mb_score_wall_time(outcome: Callable[[str, str], Run], record_property) -> None:
    r = outcome("five_mb", "score")
    record_property("five_mb_score_seconds", round(r.seconds, 2))
    print(f"\nfive_mb: scorer score --backend rules took {r.seconds:.2f} s (exit {r.returncode})")
    assert r.returncode == 0, _context(r)


def test_batch_survives_the_bad_corpus(tmp_path: Path) -> None:
    """A directory of every file-like case plus two good seeds: memos for what decodes, failures listed."""
    cases = tuple(c for c in make_bad.CASES if c not in ("five_mb", "a_directory", "missing"))
    paths = make_bad.make_bad_corpus(tmp_path / "in", cases=cases)
    for seed in GOOD_SEEDS:
        (tmp_path / "in" / f"{seed}.txt").write_bytes((REPORTS / f"{seed}.txt").read_bytes())
    out = tmp_path / "out"
    r = timed(["batch", str(tmp_path / "in"), "--out", str(out), "--backend", "rules"], tmp_path)
    assert r.returncode == 1, _context(r)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr, _context(r)
    good = [*GOOD_SEEDS, *(paths[c].stem for c in cases if EXPECTED[c] == "valid")]
    bad = [paths[c] for c in cases if EXPECTED[c] == "error" and c != "symlink_loop"]
    for stem in good:
        assert (out / f"{stem}.md").is_file() and (out / f"{stem}.json").is_file(), stem
    for path in bad:
        assert not (out / f"{path.stem}.md").exists(), path
        assert re.search(rf"^失败 .*{re.escape(path.name)}: ", r.stderr, re.MULTILINE), _context(r)
    assert f"失败 {len(bad)} 份" in r.stderr, _context(r)
    with (out / "ranking.csv").open(encoding="utf-8-sig") as handle:  # ranked, not graded or failed
        rows = [row for row in csv.DictReader(handle) if row["评分失败"] == "否"]
    assert sorted(Path(row["文件"]).stem for row in rows) == sorted(good)
    assert (out / "ranking.md").is_file()
