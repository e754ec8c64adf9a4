"""Templates (`templates/`): the memo and the review pages are rendered from files a reader can edit.

Jinja2 with autoescaping for `.html` templates (everything from a report is text, never markup);
Markdown templates escape through the `md` filter the caller registers. The Python side hands the
templates data, never markup.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from scorer.outline import data_dir


def templates_dir() -> Path:
    return Path(os.environ.get("SCORER_TEMPLATES_DIR") or data_dir("templates"))


_ESCAPED = (".html", ".htm", ".xml")


def autoescaped(name: str | None) -> bool:
    """HTML templates are named `page.html.j2`: the extension before `.j2` decides, so jinja2's own
    `select_autoescape` (which only looks at the last extension) would leave them unescaped."""
    return bool(name) and name.lower().removesuffix(".j2").endswith(_ESCAPED)  # type: ignore[union-attr]


@cache
def environment(filters: tuple[tuple[str, Callable[..., Any]], ...] = ()) -> jinja2.Environment:
    """One environment per set of filters; `.html[.j2]`, `.htm[.j2]`, `.xml[.j2]` are autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=autoescaped,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dict(filters))
    return env


def render(name: str, filters: tuple[tuple[str, Callable[..., Any]], ...] = (), **data: Any) -> str:
    """Render `templates/NAME` with DATA; FILTERS are (name, function) pairs added to the template."""
    return environment(filters).get_template(name).render(**data)
