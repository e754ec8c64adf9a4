"""An installed scorer finds its rubrics, prompts and templates from any directory (not only in a checkout).

The wheel is built from this checkout without network (no build isolation: setuptools and wheel
come with the dev install) and unpacked into a folder that is put first on PYTHONPATH, so the
package under test is the wheel's copy, run from a directory that is not the checkout.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import SCORER, hermetic_env, seed_path

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
    done = subprocess.run([*build, "-q", "-w", str(work)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = work.glob("scorer-*.whl")
    site = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = hermetic_env(PYTHONPATH=str(site))
    return subprocess.run([*SCORER, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def test_the_wheel_holds_the_rubrics_and_prompts(installed: Path) -> None:
    assert sorted(p.name for p in (installed / "scorer" / "_rubrics").glob("*.toml")) == [
        "outline-2015.toml",
        "outline-2021.toml",
    ]
    assert (installed / "scorer" / "_prompts" / "VERSION").read_text("utf-8") == (
        ROOT / "prompts" / "VERSION"
    ).read_text("utf-8")


def test_the_wheel_holds_the_memo_template_and_the_labels(installed: Path) -> None:
    template = installed / "scorer" / "_templates" / "memo.md.j2"
    assert template.read_text("utf-8") == (ROOT / "templates" / "memo.md.j2").read_text("utf-8")
    assert (installed / "scorer" / "data" / "labels_zh.toml").is_file()


def test_an_installed_scorer_lists_rubrics_and_scores_from_another_directory(
    installed: Path, tmp_path: Path
) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "import scorer; print(scorer.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=hermetic_env(PYTHONPATH=str(installed)),
    )
    assert where.stdout.startswith(str(installed)), "the wheel's copy is the one under test"
    listing = run_installed(installed, tmp_path, "rubric", "list")
    assert listing.returncode == 0 and "outline-2015" in listing.stdout and "outline-2021" in listing.stdout
    scored = run_installed(installed, tmp_path, "score", str(seed_path("004_e694e6b91e23d625")), "--json")
    assert scored.returncode == 0, scored.stderr
    assert '"graded":true' in scored.stdout and '"rubric":{"id":"outline-2021"' in scored.stdout
    memo = run_installed(installed, tmp_path, "score", str(seed_path("004_e694e6b91e23d625")))
    assert memo.returncode == 0, memo.stderr
    assert memo.stdout.startswith("# 法治政府建设报告评估：渭滨区人民政府 2024年度")
    assert "## 分维度得分" in memo.stdout and "出现：" in memo.stdout, "rendered from the packaged template"


def test_an_installed_scorer_replays_the_committed_answers(installed: Path, tmp_path: Path) -> None:
    args = ["--backend", "llm", "--cache", "replay", "--cache-dir", str(ROOT / "cache")]
    args += ["--base-url", "http://127.0.0.1:8081/v1", "--model", "qwen2.5-coder-1.5b", "--mode", "md_json"]
    scored = run_installed(installed, tmp_path, "score", str(seed_path("001_b1447d7b30bc702a")), *args)
    assert scored.returncode == 0, scored.stderr
    assert "大模型抽取：qwen2.5-coder-1.5b" in scored.stdout
