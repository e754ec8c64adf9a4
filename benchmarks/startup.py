"""G5a, G5b, G5c: start-up of `python -m scorer`, and that the rules path never imports openai/instructor."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from harness import SEEDS, Config, Results, clean_env, median, run_child, table

HELP_GOAL_S = 0.3
PASS = "python -c pass (interpreter alone)"
HELP = "python -m scorer --help"
SCORE = "python -m scorer score SEED --backend rules"
_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def importtime(args: list[str], tmp: Path) -> list[tuple[str, int, int]]:
    """(module, cumulative µs, depth) for each import of `python -X importtime -m scorer ARGS`."""
    env = clean_env(tmp)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scorer", *args],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = []
    for line in proc.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            found.append((m.group(4), int(m.group(2)), len(m.group(3)) // 2))
    return found


def commands() -> dict[str, list[str]]:
    seed = str(SEEDS[0])
    return {
        PASS: [sys.executable, "-c", "pass"],
        HELP: [sys.executable, "-m", "scorer", "--help"],
        "what-if: --help with typer's rich_markup_mode=None (set in-process, scorer/ unchanged)": [
            sys.executable,
            "-c",
            "import sys; import scorer.cli as c; c.app.rich_markup_mode = None; "
            "sys.argv = ['scorer', '--help']; c.main()",
        ],
        SCORE: [sys.executable, "-m", "scorer", "score", seed, "--backend", "rules"],
    }


def _time_commands(cfg: Config, tmp: Path) -> tuple[dict[str, list[float]], dict[str, set[int]]]:
    """Wall times and exit codes per command, after one warm-up; commands interleaved."""
    cmds = commands()
    walls: dict[str, list[float]] = {name: [] for name in cmds}
    codes: dict[str, set[int]] = {name: set() for name in cmds}
    run_child(cmds[HELP], tmp)  # warm the page cache / .pyc files
    for _ in range(cfg.startup_reps):
        for name, cmd in cmds.items():
            wall, code, _, _ = run_child(cmd, tmp)
            walls[name].append(wall)
            codes[name].add(code)
    return walls, codes


def run(cfg: Config, res: Results, tmp: Path) -> None:
    walls, codes = _time_commands(cfg, tmp)
    med = {name: median(ws) for name, ws in walls.items()}
    imports = importtime(["score", str(SEEDS[0]), "--backend", "rules"], tmp)
    names = {m for m, _, _ in imports}
    heavy = {
        lib: sorted(n for n in names if n == lib or n.startswith(lib + "."))[:3]
        for lib in ("openai", "instructor")
    }
    lazy_ok = not any(heavy.values()) and len(imports) > 0
    help_met = med[HELP] <= HELP_GOAL_S and codes[HELP] == {0}
    res.row(
        "G5a",
        "start-up: `python -m scorer --help` wall time (median)",
        f"{med[HELP]:.3f} s (interpreter alone {med[PASS]:.3f} s)",
        f"≤ {HELP_GOAL_S} s",
        help_met,
    )
    res.row(
        "G5b",
        "start-up + one report: `python -m scorer score SEED --backend rules` wall time (median)",
        f"{med[SCORE]:.3f} s",
        "—",
        None,
    )
    res.row(
        "G5c",
        "openai / instructor not imported by `scorer score --backend rules` (-X importtime)",
        "not imported"
        if lazy_ok
        else f"imported: {', '.join(f'{k}: {v}' for k, v in heavy.items() if v) or 'importtime empty'}",
        "not imported",
        lazy_ok,
    )
    breakdown = _help_breakdown(med[PASS], tmp)
    res.sections.append(
        "## G5 — start-up\n\n"
        f"Subprocesses from a temp working directory with no OPENAI_*/SCORER_* variables; median of "
        f"{cfg.startup_reps} after one warm-up run; seed `{SEEDS[0].name}`.\n\n"
        + table(
            ["command", "median s", "runs s", "exit codes"],
            [
                [
                    f"`{name}`",
                    f"{med[name]:.3f}",
                    ", ".join(f"{w:.3f}" for w in walls[name]),
                    ", ".join(map(str, sorted(codes[name]))),
                ]
                for name in walls
            ],
        )
        + f"\n\n`python -X importtime -m scorer score SEED --backend rules`: {len(imports)} modules "
        f"imported; openai: {heavy['openai'] or 'none'}; instructor: {heavy['instructor'] or 'none'}."
        + "\n\n"
        + breakdown
    )
    if not help_met:
        res.profiles.append("### G5a — `python -m scorer --help` start-up\n\n" + breakdown)


def _help_breakdown(interpreter: float, tmp: Path) -> str:
    """Where `--help` spends its time: the slowest imports by cumulative time."""
    help_imports = importtime(["--help"], tmp)
    top = sorted(help_imports, key=lambda x: -x[1])[:15]
    top_level = sum(c for _, c, d in help_imports if d == 0)
    return (
        "`python -X importtime -m scorer --help`, the 15 imports with the largest cumulative "
        "time (depth 0 = imported by the entry point, or by typer while it formats the help; one "
        "run, so noisy):\n\n"
        + table(["module", "depth", "cumulative ms"], [[f"`{m}`", d, f"{c / 1000:.1f}"] for m, c, d in top])
        + f"\n\nTotal of the top-level imports: {top_level / 1000:.0f} ms; "
        f"the interpreter alone takes {interpreter * 1000:.0f} ms."
    )
