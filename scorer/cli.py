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


ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name (env SCORER_MODEL).")]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint (env OPENAI_BASE_URL).")
]
ModeOpt = Annotated[
    str | None,
    typer.Option(
        "--mode", help="auto|tools|json|json_schema|md_json (env SCORER_MODE); auto picks per endpoint."
    ),
]
CacheOpt = Annotated[
    str | None, typer.Option("--cache", help="use|refresh|off|replay; replay never touches the network.")
]
CacheDirOpt = Annotated[
    Path | None, typer.Option("--cache-dir", help="Cache directory (env SCORER_CACHE_DIR).")
]
JobsOpt = Annotated[
    int | None, typer.Option("-j", "--max-concurrency", min=1, help="Chunks in flight at once.")
]
MaxTokensOpt = Annotated[
    int | None, typer.Option("--max-tokens", min=64, help="Answer length limit per call.")
]
RubricOpt = Annotated[
    str, typer.Option("--rubric", help="auto (by year reported on), a rubric id, or a path.")
]
TimeoutOpt = Annotated[float | None, typer.Option("--timeout", min=1, help="Seconds to wait for one answer.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML config file (env SCORER_CONFIG).")]


def _settings(**flags: object):
    from scorer.llm import resolve_settings

    config = flags.pop("config", None)
    return resolve_settings(flags, config=config)  # type: ignore[arg-type]


def _outline_for(rubric: str, doc):
    from scorer.outline import load_outline, outline_for_year

    return load_outline(outline_for_year(doc.metadata.year) if rubric == "auto" else rubric)


@app.command(
    epilog=(
        "Examples:\n\n"
        "  OPENAI_API_KEY=... scorer extract report.txt --model gpt-4o-mini --json\n\n"
        "  scorer extract report.txt --base-url http://127.0.0.1:8081/v1 --model qwen2.5-coder-1.5b "
        "--max-chunk-chars 1000 --cache replay"
    )
)
def extract(
    file: FileArg,
    as_json: JsonOpt = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    cache: CacheOpt = None,
    cache_dir: CacheDirOpt = None,
    max_concurrency: JobsOpt = None,
    max_chunk_chars: ChunkOpt = 6000,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    rubric: RubricOpt = "auto",
    config: ConfigOpt = None,
) -> None:
    """Have the LLM fill the outline's dimensions for each chunk, and print the merged extraction."""
    from scorer.errors import EXIT_CONFIG, EXIT_PARTIAL
    from scorer.extract import Extractor
    from scorer.pipeline import load_document
    from scorer.render import print_extraction, progress_bar

    settings = _settings(
        model=model,
        base_url=base_url,
        mode=mode,
        cache=cache,
        cache_dir=cache_dir,
        max_concurrency=max_concurrency,
        max_tokens=max_tokens,
        config=config,
    )
    doc = load_document(file, max_chunk_chars=max_chunk_chars)
    outline = _outline_for(rubric, doc)
    console = _stderr()
    extractor = Extractor(settings, outline)
    with progress_bar(console, f"{file.name}：{len(doc.chunks)} 段") as advance:
        result = extractor.extract(doc, on_progress=advance)
    for problem in extractor.cache.problems if extractor.cache else []:
        console.print(f"[yellow]cache:[/] {problem}")
    if as_json:
        _stdout_json(result.model_dump(mode="json"))
    else:
        print_extraction(result, outline, console)
    for failed in result.failed_chunks:
        console.print(f"[red]chunk {failed.chunk} failed[/] ({failed.title}): {failed.reason}")
    if result.failed_chunks:
        raise typer.Exit(EXIT_CONFIG if len(result.failed_chunks) == result.chunks else EXIT_PARTIAL)


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
