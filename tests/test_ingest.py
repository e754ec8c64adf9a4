"""Decoding real-world bytes: encodings, BOMs, HTML and the inputs that must be refused."""

from __future__ import annotations

import codecs

import pytest

from scorer.errors import InputError
from scorer.ingest import decode_report, html_to_text, read_report

SENTENCE = "办理法律援助案件839件，调解成功率达96%以上。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SENTENCE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SENTENCE.encode("utf-8"), "utf-8"),
        (SENTENCE.encode("utf-16"), "utf-16"),
        ((SENTENCE * 20).encode("gb18030"), "gb18030"),
        (("辦理法律援助案件839件，調解成功率達96%以上。" * 20).encode("big5"), "big5"),
    ],
)
def test_decodes_common_encodings(data: bytes, encoding: str) -> None:
    doc = decode_report(data)
    assert doc.encoding == encoding
    assert "839件" in doc.text


def test_line_ends_become_lf() -> None:
    assert decode_report("一、总结\r\n正文\r二、问题\n".encode()).text == "一、总结\n正文\n二、问题\n"


def test_html_blocks_become_lines_and_scripts_vanish() -> None:
    page = (
        "<html><head><script>alert(1)</script><style>p{}</style></head><body><div>首页</div>"
        "<p>第一段 &amp; 文字</p><p>第二段<br>下一行</p></body></html>"
    )
    assert html_to_text(page).split("\n")[:4] == ["首页", "第一段 & 文字", "第二段", "下一行"]
    doc = decode_report(page.encode(), source="page.html")
    assert doc.html and "alert" not in doc.text


def test_html_is_sniffed_without_extension() -> None:
    assert (
        decode_report(b"<!DOCTYPE html><p>\xe6\xad\xa3\xe6\x96\x87</p>", source="x.txt").text.strip()
        == "正文"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_refuses_unusable_bytes(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        decode_report(data)


def test_refuses_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="directory"):
        read_report(tmp_path)
