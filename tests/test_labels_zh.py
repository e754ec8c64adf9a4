"""The Chinese labels (scorer/data/labels_zh.toml) cover every id a reader could otherwise see."""

from __future__ import annotations

import re
from typing import get_args

import pytest

from scorer import labels_zh
from scorer.card import Outcome
from scorer.normalize import _boilerplate
from scorer.outline import Scoring
from scorer.roles import Role

ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_id_in_the_code_has_a_chinese_label() -> None:
    categories = {p.category for p in _boilerplate()[1]}
    assert categories <= set(labels_zh.table("boilerplate"))
    assert set(get_args(Role)) <= set(labels_zh.table("roles"))
    assert labels_zh.role("generic") == "泛泛表述" and labels_zh.role("negated") == "未做"
    outcomes = set(get_args(Outcome)) - {"credited"}
    assert outcomes <= set(labels_zh.table("outcomes")), "every reason a cited sentence earns nothing"
    assert {"rules", "model", "both"} <= set(labels_zh.table("sources"))
    criteria = {"presence", "breadth", "quantification", "depth"}
    assert criteria <= set(Scoring.model_fields), "the criteria are the rubric's scoring shares"
    assert [labels_zh.criterion(c) for c in sorted(criteria)] == ["广度", "深度", "出现", "量化"]
    assert labels_zh.backend("rules") == "规则" and labels_zh.backend("llm") == "大模型"
    assert labels_zh.script("traditional") == "繁体"


def test_labels_are_chinese_and_unknown_ids_never_leak() -> None:
    groups = ("criteria", "scripts", "backends", "roles", "status", "boilerplate", "http_status")
    for group in (*groups, "sources", "outcomes", "figure_status", "quote_status"):
        for value in labels_zh.table(group).values():
            assert not ASCII_WORD.search(value), (group, value)
    assert labels_zh.boilerplate("new_category") == "其他网页内容"
    assert labels_zh.role(None) == "其他"
    assert labels_zh.dimension("none", {"functions": "依法全面履行政府职能"}) == "未归类"
    assert labels_zh.dimension("functions", {"functions": "依法全面履行政府职能"}) == "依法全面履行政府职能"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP 401 from https://api.example.com/v1: invalid api key",
            "大模型服务拒绝了请求（状态码 401：身份验证失败，请检查密钥）",
        ),
        (
            "HTTP 429 from http://h/v1: slow down (after retries)",
            "大模型服务拒绝了请求（状态码 429：请求过于频繁或额度已用完）",
        ),
        ("HTTP 599 from http://h/v1: no message", "大模型服务拒绝了请求（状态码 599：请求未成功）"),
        ("http://127.0.0.1:9/v1 timed out after retries", "大模型服务多次重试后仍然超时"),
        (
            "cannot reach http://127.0.0.1:9/v1 (connection refused)",
            "无法连接大模型服务（多次重试后仍然失败）",
        ),
        ("http://h/v1 kept answering without choices", "大模型服务多次返回空答案"),
        (
            "invalid answer after 3 attempts: JSONDecodeError",
            "大模型的答案不是可解析的结构化数据（共尝试 3 次）",
        ),
        ("invalid answer after 3 attempts: ValidationError", "大模型的答案不符合要求的格式（共尝试 3 次）"),
        ("invalid answer after 2 attempts: InstructorRetryException", "大模型的答案无法使用（共尝试 2 次）"),
        (
            "not in the cache (--cache replay makes no network call)",
            "缓存中没有这一段的答案（回放模式不联网）",
        ),
        ("answer truncated at max_tokens even after splitting the chunk", "答案超出长度上限，拆分后仍被截断"),
        ("the endpoint's content filter refused the chunk", "大模型服务的内容审核拒绝了这一段"),
        ("cancelled (interrupted before this chunk started)", "运行被中断，这一段未完成"),
        ("KeyError: 'x'", "抽取出错（原始信息见机器可读输出）"),
    ],
)
def test_failure_reasons_read_as_chinese_sentences(raw: str, expected: str) -> None:
    assert labels_zh.failure(raw) == expected


def test_a_pdf_or_word_file_is_named_by_its_format_not_an_encoding() -> None:
    assert labels_zh.source_format("gb18030") == "编码：gb18030"
    assert labels_zh.source_format("pdf") == "格式：PDF 文字层"
    assert labels_zh.source_format("docx") == "格式：Word 文档（.docx）"
