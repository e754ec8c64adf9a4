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


_NUMBERED = re.compile(r"^\[(\d+)\](.*)$", re.M)


def sentences(request: dict[str, Any]) -> list[tuple[int, str]]:
    """The numbered sentences the scorer showed the model: [(17, '全年办理…'), …]."""
    return [(int(n), text) for n, text in _NUMBERED.findall(chunk_text(request))]


def find(request: dict[str, Any], needle: str) -> list[int]:
    """Numbers of the shown sentences containing `needle`."""
    return [n for n, text in sentences(request) if needle in text]


def is_summary(request: dict[str, Any]) -> bool:
    """The one call per report that asks for the dimension summaries (not a chunk's labels)."""
    system = next((m for m in request["messages"] if m["role"] == "system"), {"content": ""})
    return str(system["content"]).startswith("下面是一份法治政府建设年度报告中已计分的句子")


def chunk_requests(server: Any) -> list[Any]:
    """The recorded requests that label chunks (summary calls left out)."""
    return [r for r in server.requests if not is_summary(r.body)]


def honest_answer(request: dict[str, Any]) -> Reply:
    """A well-formed answer: the first sentence with a figure, cited by number, its figure copied."""
    shown = sentences(request)
    if not shown:
        return Reply.ok({"f": []})
    n, text = next(((n, t) for n, t in shown if re.search(r"\d+[件项名个次%]", t)), shown[-1])
    figure = re.search(r"\d+(?:\.\d+)?(?:余|多)?[件项名个次%]", text)
    finding = {
        "s": [n],
        "d": "functions",
        "r": "done",
        "t": "测试措施",
        "n": [figure.group(0)] if figure else [],
    }
    return Reply.ok({"f": [finding]})


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
