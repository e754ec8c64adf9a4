"""`scorer inspect`: JSON for machines, one clear line for bad input."""

from __future__ import annotations

import json

import pytest

from conftest import run, seed_path


def test_inspect_json() -> None:
    out = run("inspect", str(seed_path("000_bbf3d8a01ec62c26")), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["metadata"]["region"] == "浏阳市" and data["metadata"]["published"] == "2021-03-08"
    assert data["cleaning"]["boilerplate_lines"] == 4
    title = "（前言） + 一、2020年工作总结 + 二、存在的问题和不足 + 三、2021年工作规划"
    assert data["chunks"][0]["title"] == title
    assert data["text"].startswith("浏阳市人民政府2020年法治政府建设工作报告")


def test_inspect_human_output_goes_to_stderr() -> None:
    out = run("inspect", str(seed_path("001_b1447d7b30bc702a")))
    assert out.returncode == 0 and out.stdout == ""
    assert "相山区" in out.stderr and "536" in out.stderr


@pytest.mark.parametrize("kind", ["empty", "binary", "missing", "directory"])
def test_bad_input_is_one_line_and_nonzero(tmp_path, kind: str) -> None:
    path = tmp_path / "report.txt"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    elif kind == "directory":
        path = tmp_path
    out = run("inspect", str(path))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("scorer: error:")
    assert "Traceback" not in out.stderr


def test_figures_json_matches_the_documented_shape() -> None:
    out = run("figures", str(seed_path("001_b1447d7b30bc702a")), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    first = data["figures"][0]
    assert set(first) >= {"surface", "value", "unit", "approx", "kind", "canonical", "start", "end"}
    assert {"surface", "reason", "start", "end"} <= set(data["rejected"][0])
    yuan = [f for f in data["figures"] if f["unit"] == "元"]
    assert any(f["original"]["text"].endswith("萬元") for f in yuan)


def test_figures_human_output() -> None:
    out = run("figures", str(seed_path("003_8d0d213d0836cbcc")))
    assert out.returncode == 0 and "排除的非数字" in out.stderr
