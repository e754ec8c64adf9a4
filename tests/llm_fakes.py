"""Helpers for driving the real openai + instructor client against the stub server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scorer.llm import Settings, resolve_settings

from stub_server import Reply

SENTINEL_KEY = "sk-SENTINEL-0123456789abcdef-must-never-appear"
_REPORT = re.compile(r"<<<报告原文>>>\n(.*?)\n<<<原文结束>>>", re.S)


def chunk_text(request: dict[str, Any]) -> str:
    """The report text the scorer put between the delimiters of the last user message."""
    for message in reversed(request["messages"]):
        if message["role"] == "user":
            m = _REPORT.search(str(message["content"]))
            if m:
                return m.group(1)
    return ""


def first_sentence(text: str) -> str:
    m = re.search(r"[^。\n]{4,}?[。]", text)
    return m.group(0) if m else text[:40]


def honest_answer(request: dict[str, Any]) -> Reply:
    """A well-formed answer that quotes the chunk verbatim and copies its first figure."""
    text = chunk_text(request)
    sentence = first_sentence(text)
    figure = re.search(r"\d+(?:\.\d+)?(?:余|多)?[件项名个次%]", sentence)
    measure = {
        "summary": "测试措施",
        "evidence": sentence,
        "figures": [{"surface": figure.group(0), "what": "测试"}] if figure else [],
    }
    return Reply.ok({"functions": [measure]})


def settings_for(base_url: str, tmp: Path, **overrides: Any) -> Settings:
    flags: dict[str, Any] = {
        "base_url": base_url,
        "model": "stub-model",
        "mode": "json",
        "cache_dir": tmp / "cache",
        "timeout": 5.0,
        "max_wait": 0.05,
        "max_concurrency": 4,
    }
    flags.update(overrides)
    return resolve_settings(flags, env={"OPENAI_API_KEY": SENTINEL_KEY})
