"""Chinese labels for the ids a reader would otherwise see (`scorer/data/labels_zh.toml`).

The memo and the review page show criteria, scripts, backends, roles, statuses, boilerplate
categories and failure reasons in Chinese from this one data file, so an expert edits the wording
in one place and no English id leaks into what a reader reads. An id with no label gets the
group's `unknown` label, never the id itself.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from scorer.errors import ConfigError

_FALLBACK = "其他"


@cache
def _data() -> dict[str, Any]:
    text = resources.files("scorer").joinpath("data/labels_zh.toml").read_text("utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"scorer/data/labels_zh.toml: not valid TOML ({exc})") from None


def table(group: str) -> dict[str, str]:
    """All labels of one group (e.g. `roles`), for code that lists them."""
    return {k: v for k, v in _data().get(group, {}).items() if isinstance(v, str)}


def label(group: str, key: str | None) -> str:
    """The Chinese label of KEY in GROUP; the group's `unknown` label when there is none."""
    labels = table(group)
    return labels.get(key or "", labels.get("unknown", _FALLBACK))


def criterion(key: str) -> str:
    return label("criteria", key)


def script(key: str | None) -> str:
    return label("scripts", key)


def backend(key: str | None) -> str:
    return label("backends", key)


def role(key: str | None) -> str:
    return label("roles", key)


def boilerplate(key: str) -> str:
    return label("boilerplate", key)


def dimension(key: str | None, names: dict[str, str]) -> str:
    """A dimension's name from the rubric (NAMES: id → name), else 未归类 (never the id)."""
    return names.get(key or "") or label("dimensions", "unknown")


@cache
def _failure_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(r["match"]), r["text"]) for r in _data().get("failures", []))


def failure(reason: str) -> str:
    """A chunk's failure reason as a sentence for readers; the raw reason stays in the JSON."""
    codes = table("http_status")
    for pattern, text in _failure_rules():
        if found := pattern.search(reason):
            fields = {k: v or "" for k, v in found.groupdict().items()}
            status = codes.get(fields.get("code", ""), codes.get("other", ""))
            return text.format(**fields, status=status)
    return codes.get("other", _FALLBACK)


def unread_pages(pages: list[int] | tuple[int, ...]) -> str:
    """`第 3、5 页没有文字层（可能是扫描页）`: the PDF pages whose words were not read."""
    return f"第 {'、'.join(str(n) for n in pages)} 页没有文字层（可能是扫描页）"


def source_format(encoding: str | None) -> str:
    """`编码：gb18030` for a text file, `格式：PDF 文字层` for a file that has no text encoding."""
    formats = table("formats")
    if encoding in formats:
        return f"格式：{formats[encoding]}"
    return f"编码：{encoding or '不详'}"
