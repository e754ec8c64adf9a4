"""The `scorer` command line. Heavy libraries are imported inside commands so `--help` stays fast."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec

import typer

from scorer import interrupt
from scorer.cli_options import (
    BackendOpt,
    BaseUrlOpt,
    CacheDirOpt,
    CacheOpt,
    ChunkOpt,
    ConfigOpt,
    FileArg,
    HtmlOpt,
    JobsOpt,
    JsonOpt,
    KindOpt,
    MaxTokensOpt,
    ModelOpt,
    ModeOpt,
    OutOpt,
    RubricOpt,
    TimeoutOpt,
)
from scorer.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, ScorerError

P = ParamSpec("P")
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


def _guard(command: Callable[P, None]) -> Callable[P, None]:
    """Run a command so that bad input, Ctrl-C and bugs each end in one stderr line and an exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except ScorerError as exc:
            sys.stderr.write(f"scorer: error: {exc}\n")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            interrupt.exit_interrupted()  # in the CLI process this ends it, calls in flight abandoned
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # a bug, not bad input: one line unless debugging
            if os.environ.get("SCORER_DEBUG"):
                raise
            sys.stderr.write(
                f"scorer: internal error: {type(exc).__name__}: {exc} (SCORER_DEBUG=1 shows more)\n"
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


def command(
    app_: typer.Typer = app, name: str | None = None, **kwargs: Any
) -> Callable[[Callable[P, None]], Any]:
    """`app.command`, with every command guarded."""

    def register(fn: Callable[P, None]) -> Any:
        return app_.command(name, **kwargs)(_guard(fn))

    return register


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


@command(epilog="Example: scorer inspect tests/data/reports/000_bbf3d8a01ec62c26.txt --json")
def inspect(file: FileArg, as_json: JsonOpt = False, max_chunk_chars: ChunkOpt = 6000) -> None:
    """Show how a report is read: encoding, cleaning, metadata and chunks."""
    from scorer.pipeline import load_document
    from scorer.render import inspect_json, print_inspect

    doc = load_document(file, max_chunk_chars=max_chunk_chars)
    if as_json:
        _stdout_json(inspect_json(doc))
    else:
        print_inspect(doc, _stderr())


@command(epilog="Example: scorer figures tests/data/reports/001_b1447d7b30bc702a.txt --json")
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


LLM_FLAGS = ("model", "base_url", "mode", "cache", "cache_dir", "max_concurrency", "max_tokens", "timeout")


def _settings(params: dict[str, Any]):
    """Settings from a command's parameters: typer needs each flag in the signature, this picks them out."""
    from scorer.errors import InputError
    from scorer.llm import resolve_settings

    modes = ("auto", "tools", "json", "json_schema", "md_json")
    if params.get("mode") is not None and params["mode"] not in modes:
        raise InputError(f"--mode must be one of {', '.join(modes)}, not {params['mode']!r}")
    return resolve_settings({name: params[name] for name in LLM_FLAGS}, config=params["config"])


@command(
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
    from scorer.assess import choose_outline
    from scorer.errors import EXIT_CONFIG, EXIT_PARTIAL
    from scorer.extract import Extractor
    from scorer.llm import require_endpoint
    from scorer.pipeline import load_document
    from scorer.render import print_extraction, progress_bar

    settings = _settings(locals())
    require_endpoint(settings)
    doc = load_document(file, max_chunk_chars=max_chunk_chars)
    outline = choose_outline(rubric, doc)
    console = _stderr()
    extractor = Extractor(settings, outline)
    with progress_bar(console, f"{file.name}：{len(doc.chunks)} 段") as advance:
        result = extractor.extract(doc, on_progress=advance)
    for problem in extractor.cache.problems if extractor.cache else []:
        console.print(f"[yellow]cache:[/] {problem}")
    if as_json:
        from scorer.labels import compare
        from scorer.rules import extract_rules

        labels = compare(result, extract_rules(doc, outline))  # sentence by sentence: model, rules, both
        _stdout_json({**result.model_dump(mode="json"), "labels": labels})
    else:
        print_extraction(result, outline, console)
    for failed in result.failed_chunks:
        console.print(f"[red]chunk {failed.chunk} failed[/] ({failed.title}): {failed.reason}")
    if result.failed_chunks:
        raise typer.Exit(EXIT_CONFIG if len(result.failed_chunks) == result.chunks else EXIT_PARTIAL)


def _options(params: dict[str, Any]):
    """The scoring options; an LLM backend with no endpoint to call is refused here, before any work."""
    from scorer.assess import Options, choose_backend
    from scorer.errors import InputError

    backend = params["backend"]
    if backend not in ("auto", "llm", "rules"):
        raise InputError(f"--backend must be auto, llm or rules, not {backend!r}")
    if params["kind"] not in ("auto", "annual_report"):
        raise InputError(f"--kind must be auto or annual_report, not {params['kind']!r}")
    settings = _settings(params)
    choose_backend(backend, settings)
    return Options(
        backend=backend,
        rubric=params["rubric"],
        kind=params["kind"],
        max_chunk_chars=params["max_chunk_chars"],
        settings=settings,
    )


def _check_html(html: bool, out: Path | None, as_json: bool, files: list[Path]) -> None:
    """`--html` without `--out` prints one page to stdout, like the memo: it cannot share stdout
    with JSON, and several pages in one stream would be no HTML file at all."""
    from scorer.errors import InputError

    if not html or out is not None:
        return
    if as_json:
        raise InputError("--html and --json both print to stdout: use --out DIR to write the pages")
    if len(files) > 1:
        raise InputError("--html prints one page to stdout: give one file, or use --out DIR for several")


def _write_outputs(result: Any, out: Path | None, stem: str, as_json: bool, html: bool) -> None:
    """One report's memo, JSON and page into --out, and the JSON line, the page or the memo on stdout."""
    from scorer.assess import card_json
    from scorer.atomic import write_text_atomic
    from scorer.memo import render_memo
    from scorer.page import render_page

    card = result.card
    if out is not None:
        write_text_atomic(out / f"{stem}.md", render_memo(card))
        write_text_atomic(out / f"{stem}.json", card_json(card))
        write_text_atomic(out / f"{stem}.html", render_page(card, result.doc, result.outline))
    if as_json:  # JSON Lines: one object per report, whatever the number of inputs
        sys.stdout.write(card.model_dump_json() + "\n")
    elif out is None and html:
        sys.stdout.write(render_page(card, result.doc, result.outline))
    elif out is None:
        sys.stdout.write(render_memo(card))
    sys.stdout.flush()


@command(
    epilog=(
        "Examples:\n\n"
        "  scorer score tests/data/reports/000_bbf3d8a01ec62c26.txt > memo.md\n\n"
        "  scorer score report.txt --backend rules --json\n\n"
        "  scorer score report.txt --html > report.html\n\n"
        "  OPENAI_API_KEY=... scorer score a.txt b.html --model gpt-4o-mini --out results/"
    )
)
def score(
    files: Annotated[list[Path], typer.Argument(help="One or more report files.")],
    backend: BackendOpt = "auto",
    rubric: RubricOpt = "auto",
    kind: KindOpt = "auto",
    out: OutOpt = None,
    as_json: JsonOpt = False,
    html: HtmlOpt = False,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    cache: CacheOpt = None,
    cache_dir: CacheDirOpt = None,
    max_concurrency: JobsOpt = None,
    max_chunk_chars: ChunkOpt = 6000,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score reports: Markdown memo on stdout (or JSON with --json), a summary table on stderr."""
    from scorer.assess import assess_file, output_dir, unique_stems
    from scorer.errors import EXIT_CONFIG, EXIT_PARTIAL
    from scorer.render import print_card, progress_bar

    options = _options(locals())
    _check_html(html, out, as_json, files)
    console = _stderr()
    exit_code = 0
    if out is not None:
        output_dir(out)
    for file, stem in zip(files, unique_stems(files), strict=True):
        try:
            with progress_bar(console, file.name) as advance:
                result = assess_file(file, options, advance)
        except ScorerError as exc:
            if len(files) == 1:
                raise
            sys.stderr.write(f"scorer: error: {exc}\n")
            exit_code = max(exit_code, exc.exit_code)
            continue
        for problem in result.cache_problems:
            console.print(f"[yellow]cache:[/] {problem}")
        card = result.card
        interrupt.commit(functools.partial(_write_outputs, result, out, stem, as_json, html))
        print_card(card, console)
        failed = result.extraction.failed_chunks
        if failed:
            exit_code = max(
                exit_code, EXIT_CONFIG if len(failed) == result.extraction.chunks else EXIT_PARTIAL
            )
        elif card.unread_pages:  # scanned pages were not read: a provisional card, like lost chunks
            exit_code = max(exit_code, EXIT_PARTIAL)
    if exit_code:
        raise typer.Exit(exit_code)


@command(
    epilog=(
        "Examples:\n\n"
        "  scorer batch tests/data/reports --out results/\n\n"
        "  scorer batch reports/*.html --out results/ --backend llm --jobs 4 --force"
    )
)
def batch(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Report files or directories (*.txt, *.html, *.htm, *.md, *.pdf, *.docx; "
            "*.doc, *.wps, *.ofd fail naming the conversion to run; other files are named on stderr)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Output directory (memos, JSON, ranking.csv, ranking.xlsx, ranking.md)."),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Re-score reports whose outputs are current.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Reports scored at once.")] = 2,
    as_json: Annotated[
        bool, typer.Option("--json", help="Also print the ranking to stdout, one JSON object per line.")
    ] = False,
    backend: BackendOpt = "auto",
    rubric: RubricOpt = "auto",
    kind: KindOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    cache: CacheOpt = None,
    cache_dir: CacheDirOpt = None,
    max_concurrency: JobsOpt = None,
    max_chunk_chars: ChunkOpt = 6000,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score many reports, write each memo and JSON, and rank them; resumable, one failure never stops it."""
    from scorer.batch import run_batch

    options = _options(locals())
    code = run_batch(paths, out, options, force=force, jobs=jobs, console=_stderr(), as_json=as_json)
    if code:
        raise typer.Exit(code)


rubric_app = typer.Typer(help="List and show rubric files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


@command(rubric_app, "list", epilog="Example: scorer rubric list")
def rubric_list() -> None:
    """List the rubrics in rubrics/."""
    from scorer.outline import list_outlines, load_outline

    for rubric_id in list_outlines():
        o = load_outline(rubric_id)
        sys.stdout.write(f"{o.id}\t{o.years[0]}–{o.years[1]}\t{len(o.dimensions)} dimensions\t{o.name}\n")


@command(rubric_app, "show", epilog="Example: scorer rubric show outline-2015")
def rubric_show(rubric_id: Annotated[str, typer.Argument(help="Rubric id or path.")]) -> None:
    """Show a rubric's dimensions, items, weights and checks."""
    from scorer.outline import load_outline

    o = load_outline(rubric_id)
    lines = [f"{o.id}: {o.name} ({o.years[0]}–{o.years[1]}), sha256 {o.sha256[:16]}", ""]
    for d in o.dimensions:
        lines.append(f"{d.id}  {d.name}  (weight {d.weight:g})")
        for item in d.items:
            lines.append(f"    {item.id}: {item.name} — {'、'.join(item.keywords)}")
    lines += ["", "required: " + ", ".join(f"{r.id} ({r.points:g})" for r in o.required)]
    lines.append("grades: " + ", ".join(f"{g.grade} ≥ {g.min:g}" for g in o.grades))
    sys.stdout.write("\n".join(lines) + "\n")


def main() -> None:
    """Entry point: expected failures become one line on stderr and a documented exit code."""
    interrupt.install()
    app(standalone_mode=True)
