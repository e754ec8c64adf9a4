"""Shared pieces of the benchmark goals: configuration, results, tables, machine and code description,
profiling, child processes and the stub server.

Importing this module puts the code under test (CODE) first on sys.path, so every goal module must
import it before anything from `scorer`: run.py does, and the import order isort gives (third-party
`harness` before first-party `scorer`) does too.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

# The live working tree: data, git state and the default output. When main() re-runs a snapshot of
# the code, the copy's benchmarks/ is not the live tree, so the parent passes its ROOT down.
ROOT = Path(os.environ.get("SCORER_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
# The code measured: a snapshot of scorer/, prompts/, rubrics/, templates/, benchmarks/ and the test
# helpers, taken by main() when the run starts (the working tree may change while the benchmark runs),
# else the tree.
CODE = Path(os.environ.get("SCORER_BENCH_CODE") or ROOT)
SNAPSHOT_PARTS = (
    *("scorer", "prompts", "rubrics", "templates", "benchmarks"),
    *("tests/stub_server.py", "tests/llm_fakes.py"),
)
for _path in (str(CODE / "tests"), str(CODE)):
    if _path not in sys.path[:2]:
        sys.path.insert(0, _path)

REPORTS = ROOT / "tests" / "data" / "reports"
SEEDS = sorted(REPORTS.glob("*.txt"))
T = TypeVar("T")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Config:
    quick: bool
    latency: float  # stub latency L per request (s)
    llm_seeds: tuple[Path, ...]  # seeds timed one by one on the LLM path
    llm_reps: int
    cache_seeds: tuple[Path, ...]
    cache_reps: int
    offline_reps: int
    batch_reports: int
    gil_reports: int
    startup_reps: int
    big_mb: tuple[float, ...]  # sizes of the big report (MB of UTF-8); the last one is the goal's


FULL = Config(
    quick=False,
    latency=0.5,
    llm_seeds=tuple(SEEDS),
    llm_reps=3,
    cache_seeds=tuple(SEEDS),
    cache_reps=5,
    offline_reps=20,
    batch_reports=1000,
    gil_reports=100,
    startup_reps=5,
    big_mb=(1.0, 5.0),
)
QUICK = Config(
    quick=True,
    latency=0.2,
    llm_seeds=(REPORTS / "002_544a7fdbaf4d16e8.txt",),
    llm_reps=1,
    cache_seeds=(REPORTS / "002_544a7fdbaf4d16e8.txt",),
    cache_reps=3,
    offline_reps=5,
    batch_reports=20,
    gil_reports=10,
    startup_reps=2,
    big_mb=(0.25, 0.5),
)


# --------------------------------------------------------------------------- results and tables


@dataclass
class Row:
    id: str
    goal: str
    measured: str
    target: str
    met: bool | None  # None: nothing to meet (reported only)

    @property
    def met_text(self) -> str:
        return "n/a" if self.met is None else ("yes" if self.met else "**no**")


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # Markdown detail per goal
    profiles: list[str] = field(default_factory=list)  # Markdown profile per missed goal

    def row(self, *args: Any) -> None:
        self.rows.append(Row(*args))


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="scorer-bench-") as tmp:
        yield Path(tmp)


# --------------------------------------------------------------------------- child processes


def clean_env(tmp: Path) -> dict[str, str]:
    """The environment for `python -m scorer` subprocesses: no endpoint, no config, cache in tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SCORER_"))}
    env["SCORER_CACHE_DIR"] = str(tmp / "cache")
    env["PYTHONPATH"] = str(CODE)  # ahead of the editable install, which points at the live tree
    return env


_WRAPPER = """
import json, resource, subprocess, sys, time
with open(sys.argv[1], "wb") as err:
    t0 = time.perf_counter()
    code = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=err)
    wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "code": code, "maxrss_kb": rss}))
"""


def run_child(cmd: list[str], tmp: Path) -> tuple[float, int, float, str]:
    """Run `cmd` from a small wrapper process: wall seconds, exit code, peak RSS in MB, stderr.

    The wrapper times the child and reads getrusage(RUSAGE_CHILDREN).ru_maxrss, so the peak is the
    child's alone. (Reading it from this process would not do: Linux carries the parent's peak RSS
    across fork + exec, so every child of a big benchmark process would look as big as it.)
    """
    fd, err_path = tempfile.mkstemp(dir=tmp, prefix="stderr-")
    os.close(fd)
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, err_path, *cmd],
        cwd=tmp,
        env=clean_env(tmp),
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    text = Path(err_path).read_text("utf-8", "replace")
    os.unlink(err_path)
    return report["wall"], report["code"], report["maxrss_kb"] / 1024, text


# --------------------------------------------------------------------------- machine and code


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return table(
        ["", ""],
        [
            ["CPU", cpu],
            ["cores", f"{os.cpu_count()} logical ({usable} usable by this process)"],
            ["RAM", ram],
            ["Python", f"{platform.python_version()} ({platform.python_implementation()}, {sys.executable})"],
            ["OS", platform.platform()],
            ["date", dt.datetime.now().astimezone().isoformat(timespec="seconds")],
            ["load average at start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in load)],
        ],
    )


def code_digest(base: Path) -> str:
    """sha256 (16 hex) of scorer/, prompts/, rubrics/ and templates/ under `base`."""
    import hashlib

    digest = hashlib.sha256()
    files = sorted(
        f
        for d in ("scorer", "prompts", "rubrics", "templates")
        for f in (base / d).rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    )
    for f in files:
        digest.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def git_state() -> str:
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "scorer", "prompts", "rubrics", "templates"],
        capture_output=True,
        text=True,
    )
    changed = [line[3:] for line in dirty.stdout.split("\n") if line.strip()]
    return f"commit {head.stdout.strip() or '?'}" + (
        f" + uncommitted changes in {', '.join(changed)}" if changed else ""
    )


def check_code_under_test() -> None:
    """Both this process and `python -m scorer` children must import scorer from CODE."""
    import scorer

    here = Path(scorer.__file__).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.run(
            [sys.executable, "-c", "import scorer; print(scorer.__file__)"],
            cwd=tmp,
            env=clean_env(Path(tmp)),
            capture_output=True,
            text=True,
        ).stdout.strip()
    for where in (here, Path(child).resolve()):
        if not where.is_relative_to(CODE.resolve()):
            raise SystemExit(f"benchmark: scorer imported from {where}, not from {CODE}")


def snapshot_and_rerun(argv: list[str]) -> int:
    """Copy the code under test (benchmark modules included) to a temp dir and run the copy's run.py."""
    import shutil

    with tempfile.TemporaryDirectory(prefix="scorer-bench-code-") as snap:
        for part in SNAPSHOT_PARTS:
            src, dst = ROOT / part, Path(snap) / part
            if src.is_dir():
                skip = ("__pycache__", "*.md") if part == "benchmarks" else ("__pycache__",)  # no RESULTS.md
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*skip))
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
        env = {
            **os.environ,
            "SCORER_BENCH_CODE": snap,
            "SCORER_BENCH_ROOT": str(ROOT),
            "SCORER_BENCH_GIT": git_state(),
        }
        return subprocess.call([sys.executable, str(Path(snap) / "benchmarks" / "run.py"), *argv], env=env)


# --------------------------------------------------------------------------- profiling


class ThreadProfiler:
    """CPU-time cProfile of the calling thread plus every `scorer-*` thread started meanwhile.

    cProfile only sees the thread that enables it, and the scorer works in pool threads
    (`scorer-chunk-*`, `scorer-report-*`); threading.setprofile gives each new thread a hook that
    starts its own profiler. The timer is time.thread_time, so waiting on the network costs nothing.
    """

    def __init__(self, prefix: str = "scorer-") -> None:
        self.prefix = prefix
        self.main = cProfile.Profile(time.thread_time)
        self.others: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        sys.setprofile(None)
        if threading.current_thread().name.startswith(self.prefix):
            profile = cProfile.Profile(time.thread_time)
            with self.lock:
                self.others.append(profile)
            profile.enable()

    def __enter__(self) -> ThreadProfiler:
        threading.setprofile(self._hook)
        self.main.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        self.main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]

    def stats(self) -> pstats.Stats:
        stats = pstats.Stats(self.main, stream=io.StringIO())
        for profile in self.others:
            stats.add(profile)
        return stats


def profiled(work: Callable[[], object]) -> pstats.Stats:
    """Wall-clock cProfile of work() in this thread (for goals whose work is single-threaded)."""
    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    return pstats.Stats(prof, stream=io.StringIO())


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return f"`{name}`"
    path = filename
    for marker in ("/site-packages/", str(CODE) + "/", str(ROOT) + "/", "/lib/python"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"`{path}:{line}({name})`"


def _function_table(title: str, entries: list[tuple[Any, Any]], runs: int) -> str:
    return table(
        [title, "calls/run", "own ms/run", "cumulative ms/run"],
        [
            [_where(f), f"{nc / runs:g}", f"{tt * 1000 / runs:.2f}", f"{ct * 1000 / runs:.2f}"]
            for f, (_, nc, tt, ct, _) in entries
        ],
    )


def top_functions(stats: pstats.Stats, n: int = 15, runs: int = 1) -> str:
    """Two tables: top by own time, and top `scorer/` functions by cumulative time (ms per run)."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = max((ct for (_, _, _, ct, _) in entries.values()), default=0.0)
    own = _function_table("function", sorted(entries.items(), key=lambda kv: -kv[1][2])[:n], runs)
    ours = [kv for kv in entries.items() if "/scorer/" in kv[0][0]]
    cum = _function_table("scorer function", sorted(ours, key=lambda kv: -kv[1][3])[:n], runs)
    return (
        f"Largest cumulative entry: {total * 1000 / runs:.1f} ms per run (cProfile adds overhead; "
        f"compare shares, not absolute times).\n\nTop {n} by own time:\n\n{own}\n\n"
        f"Top {n} `scorer/` functions by cumulative time:\n\n{cum}"
    )


# --------------------------------------------------------------------------- stub server


def sent_chars(body: dict[str, Any]) -> int:
    """Characters a request sends: its messages plus tools / response_format, as JSON (no escaping)."""
    chars = len(json.dumps(body["messages"], ensure_ascii=False))
    for key in ("tools", "response_format"):
        if body.get(key) is not None:
            chars += len(json.dumps(body[key], ensure_ascii=False))
    return chars


def against_stub(
    work: Callable[[str], T], responder: Callable[..., Any] | None = None
) -> tuple[T, list[Any]]:
    """work(base_url) against a fresh stub with no latency (honest answers unless told otherwise);
    its value and the request bodies the stub received, retries included."""
    from llm_fakes import honest_answer
    from stub_server import StubServer

    with StubServer(responder or honest_answer) as server:
        value = work(server.base_url)
        return value, [r.body for r in server.requests]
