"""Markdown escaping: report text renders as itself, and nothing is escaped that needs no escaping.

Checked with a CommonMark renderer (markdown-it-py, with GitHub's tables and strikethrough): the
escaped text, rendered, must give back exactly the text; and text with no markup character must
come back unchanged, so the memo file reads `94.9%`, not `94\\.9%`.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from scorer.markdown import md_escape

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered(markdown: str, tag: str) -> str:
    """The text of the one TAG element MARKDOWN renders to; fails if anything else is rendered."""
    out = RENDERER.render(markdown)
    found = re.search(rf"<{tag}>(.*?)</{tag}>", out, re.S)
    assert found, out
    inner = found.group(1)
    assert "<" not in inner, f"markup in {out!r}"
    return html.unescape(inner)


def as_line(text: str) -> str:
    return rendered(md_escape(text, "line"), "p")


def as_inline(text: str) -> str:
    return rendered("前文" + md_escape(text, "inline"), "p")[2:]


def as_cell(text: str) -> str:
    return rendered(f"| 列 |\n| --- |\n| {md_escape(text, 'cell')} |", "td")


@pytest.mark.parametrize(
    "text",
    [
        "94.9%",
        "10.4个百分点",
        "1,200件",
        "比例<10% 且 >5%",
        "《<党政主要负责人履行推进法治建设第一责任人职责规定>工作要求落实指引》",
        "tests/data/reports/001_b1447d7b30bc702a.txt",
        "127.0.0.1:8081/v1",
        "1.加强领导",
        "7×24小时",
        "“6+2+N”",
        "A&B",
    ],
)
def test_text_without_markup_is_left_alone(text: str) -> None:
    assert md_escape(text, "line") == md_escape(text, "inline") == md_escape(text) == text
    assert as_line(text) == text


@pytest.mark.parametrize(
    ("text", "where", "escaped"),
    [
        ("<script>alert(1)</script>", "inline", "&lt;script>alert(1)&lt;/script>"),
        ("<!-- x -->", "inline", "&lt;!-- x -->"),
        ("<https://example.com>", "inline", "&lt;https://example.com>"),
        ("*重要*", "inline", r"\*重要\*"),
        ("_强调_ 与 snake_case", "inline", r"\_强调\_ 与 snake_case"),
        ("`代码`", "inline", r"\`代码\`"),
        ("[链接](http://x)", "inline", r"\[链接\](http://x)"),
        ("~~删除~~", "inline", r"\~\~删除\~\~"),
        ("&lt;已是实体", "inline", "&amp;lt;已是实体"),
        ("路径\\*", "inline", r"路径\\\*"),
        ("a|b", "inline", "a|b"),
        ("a|b", "cell", r"a\|b"),
        ("# 标题", "line", r"\# 标题"),
        ("# 标题", "inline", "# 标题"),
        ("> 引用", "line", r"\> 引用"),
        ("- 列表", "line", r"\- 列表"),
        ("+ 列表", "line", r"\+ 列表"),
        ("1. 加强领导", "line", r"1\. 加强领导"),
        ("2) 加强领导", "line", r"2\) 加强领导"),
        ("---", "line", r"\---"),
        ("多行\n文字", "inline", "多行 文字"),
    ],
)
def test_markup_characters_are_escaped_where_they_would_render(text: str, where: str, escaped: str) -> None:
    assert md_escape(text, where) == escaped  # type: ignore[arg-type]


def test_a_script_tag_in_a_report_never_becomes_html() -> None:
    out = RENDERER.render(md_escape("全年办结<script>alert(1)</script>件", "line"))
    assert "<script" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out


MARKUP = "*_`[]()<>!&#|\\~-+=.:;/ 1aZ"
TEXT = st.text(alphabet=st.sampled_from([*MARKUP, "法", "治", "、", "。"]), max_size=24)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_escaped_text_renders_as_itself(text: str) -> None:
    """Whatever a report says, the memo shows those characters and no markup (spaces collapsed)."""
    plain = " ".join(text.split())
    if not plain:
        return
    assert as_line(text) == plain
    assert as_inline(text) == plain
    assert as_cell(text) == plain
