"""The options of the `scorer` commands, declared once and shared by score, batch and extract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

FileArg = Annotated[
    Path,
    typer.Argument(help="Report file: .txt or .html (UTF-8, GB18030/GBK or Big5), .pdf (text layer), .docx."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON to stdout (score: one line per report).")]
ChunkOpt = Annotated[int, typer.Option("--max-chunk-chars", min=200, help="Largest chunk, in characters.")]

ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Model name (env SCORER_MODEL); naming one asks for the LLM.")
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="OpenAI-compatible endpoint (env OPENAI_BASE_URL). Without it or OPENAI_API_KEY "
        "(OpenAI's endpoint) no LLM is ever called.",
    ),
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

BackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        help="auto (the LLM when an endpoint or a model is given, else rules) | llm | rules.",
    ),
]
KindOpt = Annotated[
    str,
    typer.Option(
        "--kind",
        help="auto (the document gate decides; only annual reports are graded) | annual_report "
        "(grade anyway; the memo and JSON say it was forced).",
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write <name>.md, <name>.json and the review page <name>.html into this directory."
    ),
]
HtmlOpt = Annotated[
    bool,
    typer.Option(
        "--html",
        help="Print the review page (one self-contained HTML file) instead of the memo; "
        "with --out the page is always written beside the memo.",
    ),
]
