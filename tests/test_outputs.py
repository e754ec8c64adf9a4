"""Outputs that keep everything: same-name inputs, one JSON shape, --json with --out, bad --out."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run, seed_path

SEED = "002_544a7fdbaf4d16e8"
OTHER = "004_e694e6b91e23d625"


def two_reports_named_the_same(tmp_path: Path) -> list[Path]:
    paths = []
    for folder, seed in (("a", SEED), ("b", OTHER)):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "report.txt"
        path.write_bytes(seed_path(seed).read_bytes())
        paths.append(path)
    return paths


def test_inputs_with_the_same_name_never_overwrite_each_other(tmp_path: Path) -> None:
    a, b = two_reports_named_the_same(tmp_path)
    out = tmp_path / "out"
    r = run("score", str(a), str(b), "--backend", "rules", "--out", str(out))
    assert r.returncode == 0, r.stderr
    cards = sorted(out.glob("*.json"))
    assert len(cards) == 2 and len(list(out.glob("*.md"))) == 2
    sources = {json.loads(p.read_text("utf-8"))["source"] for p in cards}
    assert sources == {str(a), str(b)}, "each JSON says which input it came from"


def test_json_is_one_line_per_report_whatever_the_number_of_inputs(tmp_path: Path) -> None:
    one = run("score", str(seed_path(SEED)), "--backend", "rules", "--json")
    two = run("score", str(seed_path(SEED)), str(seed_path(OTHER)), "--backend", "rules", "--json")
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert [json.loads(line)["source"] for line in one.stdout.splitlines()] == [str(seed_path(SEED))]
    assert len([json.loads(line) for line in two.stdout.splitlines()]) == 2


def test_json_with_out_writes_the_files_and_prints_the_json(tmp_path: Path) -> None:
    r = run("score", str(seed_path(SEED)), "--backend", "rules", "--json", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    printed = json.loads(r.stdout)
    written = json.loads((tmp_path / f"{SEED}.json").read_text("utf-8"))
    assert printed["total"] == written["total"] and (tmp_path / f"{SEED}.md").exists()


def test_an_out_that_is_not_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    file = tmp_path / "not-a-dir"
    file.write_text("x", "utf-8")
    for command in (["score", str(seed_path(SEED))], ["batch", str(seed_path(SEED))]):
        r = run(*command, "--backend", "rules", "--out", str(file))
        assert r.returncode == 2, r.stderr
        assert r.stderr.strip().splitlines() == [f"scorer: error: {file}: --out must be a directory"]


def test_an_unknown_mode_is_a_usage_error() -> None:
    r = run("score", str(seed_path(SEED)), "--mode", "foo")
    assert r.returncode == 2 and "--mode must be one of" in r.stderr and "Traceback" not in r.stderr


def test_batch_json_prints_the_ranking(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for seed in (SEED, OTHER, "003_8d0d213d0836cbcc"):
        (reports / f"{seed}.txt").write_bytes(seed_path(seed).read_bytes())
    r = run("batch", str(reports), "--out", str(tmp_path / "out"), "--backend", "rules", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["rank"] for row in rows] == [1, 2, None], "003 (an evaluation) is listed, not ranked"
    assert {row["file"] for row in rows[:2]} == {f"{SEED}.txt", f"{OTHER}.txt"}
    assert rows[2]["file"] == "003_8d0d213d0836cbcc.txt" and rows[2]["graded"] is False
