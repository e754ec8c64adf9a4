"""An installed scorer finds its rubrics, prompts and templates from any directory.

The wheel is built from this checkout without network (no build isolation: setuptools and wheel
come with the dev install) and installed with pip into a fresh virtual environment outside the
checkout; the dependencies come from the test run's own environment through a `.pth` file, so the
test needs no network. The package under test is the wheel's copy, run through its console
script from a directory that is not the checkout.
"""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conftest import hermetic_env, seed_path

ROOT = Path(__file__).parent.parent


class Installed:
    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.python = venv / "bin" / "python"
        self.scorer = venv / "bin" / "scorer"
        purelib = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
        self.package = Path(purelib) / "scorer"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
    done = subprocess.run([*build, "-q", "-w", str(work)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = work.glob("scorer-*.whl")
    env = Installed(work / "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env.venv)], check=True, timeout=120)
    env.package.parent.mkdir(parents=True, exist_ok=True)
    # Dependencies from this run's environment (no network); `scorer` itself only from the wheel.
    (env.package.parent / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", "utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(env.python), "install", "-q", "--no-deps"]
    done = subprocess.run([*pip, "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return env


def run_installed(env: Installed, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env.scorer), *args], capture_output=True, text=True, cwd=cwd, env=hermetic_env(), timeout=120
    )


def test_the_wheel_holds_the_rubrics_and_prompts(installed: Installed) -> None:
    assert sorted(p.name for p in (installed.package / "_rubrics").glob("*.toml")) == [
        "outline-2015.toml",
        "outline-2021.toml",
    ]
    assert (installed.package / "_prompts" / "VERSION").read_text("utf-8") == (
        ROOT / "prompts" / "VERSION"
    ).read_text("utf-8")


def test_the_wheel_holds_the_memo_template_and_the_labels(installed: Installed) -> None:
    template = installed.package / "_templates" / "memo.md.j2"
    assert template.read_text("utf-8") == (ROOT / "templates" / "memo.md.j2").read_text("utf-8")
    assert (installed.package / "data" / "labels_zh.toml").is_file()


def test_an_installed_scorer_lists_rubrics_and_scores_from_another_directory(
    installed: Installed, tmp_path: Path
) -> None:
    where = subprocess.run(
        [str(installed.python), "-c", "import scorer; print(scorer.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=hermetic_env(),
    )
    assert where.stdout.startswith(str(installed.package)), "the wheel's copy is the one under test"
    listing = run_installed(installed, tmp_path, "rubric", "list")
    assert listing.returncode == 0 and "outline-2015" in listing.stdout and "outline-2021" in listing.stdout
    scored = run_installed(installed, tmp_path, "score", str(seed_path("004_e694e6b91e23d625")), "--json")
    assert scored.returncode == 0, scored.stderr
    assert '"graded":true' in scored.stdout and '"rubric":{"id":"outline-2021"' in scored.stdout
    memo = run_installed(installed, tmp_path, "score", str(seed_path("004_e694e6b91e23d625")))
    assert memo.returncode == 0, memo.stderr
    assert memo.stdout.startswith("# 法治政府建设报告评估：渭滨区人民政府 2024年度")
    assert "## 分维度得分" in memo.stdout and "出现：" in memo.stdout, "rendered from the packaged template"


def test_an_installed_scorer_replays_the_committed_answers(installed: Installed, tmp_path: Path) -> None:
    args = ["--backend", "llm", "--cache", "replay", "--cache-dir", str(ROOT / "cache")]
    args += ["--base-url", "http://127.0.0.1:8081/v1", "--model", "qwen2.5-coder-1.5b", "--mode", "md_json"]
    scored = run_installed(installed, tmp_path, "score", str(seed_path("001_b1447d7b30bc702a")), *args)
    assert scored.returncode == 0, scored.stderr
    assert "大模型抽取：qwen2.5-coder-1.5b" in scored.stdout


def test_an_installed_scorer_renders_the_review_page_from_its_own_templates(
    installed: Installed, tmp_path: Path
) -> None:
    assert (installed.package / "_templates" / "report.html.j2").is_file()
    page = run_installed(installed, tmp_path, "score", str(seed_path("000_bbf3d8a01ec62c26")), "--html")
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("<!doctype html>") and 'class="m k-credited d1"' in page.stdout
