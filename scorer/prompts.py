"""Render the prompt templates in `prompts/` for one chunk. The templates are data, not code."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from string import Template

from scorer.chunking import Chunk
from scorer.metadata import Metadata
from scorer.outline import PROJECT_ROOT, Outline

KIND_NAMES = {"annual_report": "法治政府建设年度报告", "evaluation": "评估报告", "other": "其他文件"}


def prompts_dir() -> Path:
    return Path(os.environ.get("SCORER_PROMPTS_DIR", PROJECT_ROOT / "prompts"))


@cache
def _template(name: str) -> Template:
    return Template((prompts_dir() / name).read_text("utf-8"))


@cache
def prompt_version() -> str:
    """The version of the templates; it is part of every cache key."""
    return (prompts_dir() / "VERSION").read_text("utf-8").strip()


@cache
def system_prompt(outline: Outline) -> str:
    dimensions = "\n".join(f"- {d.id}：{d.name}——{d.scope}" for d in outline.dimensions)
    return _template("system.md").substitute(
        outline_name=outline.name, dimensions=dimensions, overlap=outline.overlap.strip()
    )


def chunk_prompt(text: str, chunk: Chunk, total: int, metadata: Metadata) -> str:
    return _template("chunk.md").substitute(
        issuer=metadata.issuer or metadata.region or "（未知）",
        year=metadata.year or "（未知）",
        kind=KIND_NAMES.get(metadata.kind, metadata.kind),
        title=chunk.title or "（无标题）",
        number=chunk.index + 1,
        total=total,
        text=text,
    )


def messages_for(
    text: str, chunk: Chunk, total: int, metadata: Metadata, outline: Outline
) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt(outline)},
        {"role": "user", "content": chunk_prompt(text, chunk, total, metadata)},
    ]
