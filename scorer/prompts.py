"""Render the prompt templates in `prompts/`. The templates are data, not code.

The system message is the fixed part: instructions, the rubric compacted to ids and names, and
the overlap rules the model needs. It is byte-identical for every chunk of every report under
the same rubric, so providers' prompt caches (OpenAI, DeepSeek, llama.cpp's slot reuse) serve
it. The user message holds only the chunk's heading path and its numbered sentences.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from string import Template

from scorer.outline import Outline, data_dir
from scorer.sentences import Sentence


def prompts_dir() -> Path:
    return Path(os.environ.get("SCORER_PROMPTS_DIR") or data_dir("prompts"))


@cache
def _template(name: str) -> Template:
    return Template((prompts_dir() / name).read_text("utf-8"))


@cache
def prompt_version() -> str:
    """The version of the templates; it is part of every cache key."""
    return (prompts_dir() / "VERSION").read_text("utf-8").strip()


@cache
def system_prompt(outline: Outline) -> str:
    dimensions = "\n".join(f"{d.id} {d.name.split('，')[0]}" for d in outline.dimensions)
    overlap = (outline.overlap_brief or outline.overlap).strip()
    return _template("system.md").substitute(dimensions=dimensions, overlap=overlap).strip()


def numbered(sentences: Sequence[Sentence]) -> str:
    """One sentence a line, after its number: `[17]全年办理行政复议案件54件。`"""
    return "\n".join(f"[{s.index}]{s.text}" for s in sentences)


def chunk_prompt(sentences: Sequence[Sentence], path: str) -> str:
    return _template("chunk.md").substitute(path=path or "（无标题）", text=numbered(sentences)).strip()


def messages_for(sentences: Sequence[Sentence], path: str, outline: Outline) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": system_prompt(outline)},
        {"role": "user", "content": chunk_prompt(sentences, path)},
    ]


@cache
def summary_system() -> str:
    return _template("summary.md").template.strip()


def summary_prompt(groups: dict[str, tuple[str, Sequence[tuple[int, str]]]]) -> str:
    """Per dimension: `id 名称` then its credited sentences, each cut to its first clauses."""
    blocks = []
    for dim_id, (name, items) in groups.items():
        lines = [f"{dim_id} {name}"] + [f"[{n}]{text}" for n, text in items]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
