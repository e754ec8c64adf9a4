"""The `scorer` command line. Heavy libraries are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from scorer.errors import EXIT_INTERNAL, ScorerError

app = typer.Typer(
    name="scorer",
    help=(
        "Score Chinese local governments' annual rule-of-law reports (法治政府建设年度报告).\n\n"
        "Example: scorer inspect report.txt --json"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)

FileArg = Annotated[Path, typer.Argument(help="Report file: .txt or .html, UTF-8, GB18030/GBK or Big5.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object to stdout.")]
ChunkOpt = Annotated[int, typer.Option("--max-chunk-chars", min=200, help="Largest chunk, in characters.")]


def _version(value: bool) -> None:
    if value:
        from scorer import __version__

        sys.stdout.write(f"scorer {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Score Chinese local governments' annual rule-of-law reports (法治政府建设年度报告)."""


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command(epilog="Example: scorer inspect tests/data/reports/000_bbf3d8a01ec62c26.txt --json")
def inspect(file: FileArg, as_json: JsonOpt = False, max_chunk_chars: ChunkOpt = 6000) -> None:
    """Show how a report is read: encoding, cleaning, metadata and chunks."""
    from scorer.pipeline import load_document
    from scorer.render import inspect_json, print_inspect

    doc = load_document(file, max_chunk_chars=max_chunk_chars)
    if as_json:
        _stdout_json(inspect_json(doc))
    else:
        print_inspect(doc, _stderr())


@app.command(epilog="Example: scorer figures tests/data/reports/001_b1447d7b30bc702a.txt --json")
def figures(file: FileArg, as_json: JsonOpt = False) -> None:
    """List every figure the regex baseline finds, and the number-like text it rejects."""
    from scorer.figures import scan
    from scorer.pipeline import load_document
    from scorer.render import figures_json, print_figures

    doc = load_document(file)
    result = scan(doc.text)
    if as_json:
        _stdout_json(figures_json(doc, result))
    else:
        print_figures(doc, result, _stderr())


def main() -> None:
    """Entry point: expected failures become one line on stderr and a documented exit code."""
    try:
        app(standalone_mode=True)
    except ScorerError as exc:
        sys.stderr.write(f"scorer: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("scorer: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: say so in one line unless debugging
        if os.environ.get("SCORER_DEBUG"):
            raise
        sys.stderr.write(
            f"scorer: internal error: {type(exc).__name__}: {exc} (set SCORER_DEBUG=1 for details)\n"
        )
        sys.exit(EXIT_INTERNAL)
