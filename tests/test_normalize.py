"""Normalization: glosses, boilerplate, script, whitespace, and the map back to the original."""

from __future__ import annotations

import re

from scorer.normalize import boilerplate_category, normalize, to_simplified
from scorer.pipeline import load_document

from conftest import seed_path

GLOSS = re.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


def test_glosses_go_real_parentheses_stay() -> None:
    text = "我區(qū)法治政府建設(shè)工作,《實施綱要(2015-2020)》(試行)(株發〔2016〕16號)（一）"
    norm = normalize(text)
    assert norm.text == "我区法治政府建设工作,《实施纲要(2015-2020)》(试行)(株发〔2016〕16号)（一）"
    assert norm.stats.glosses_removed == 2


def test_full_width_gloss_brackets() -> None:
    assert normalize("區（qū）域").text == "区域"


def test_garbled_residue_is_counted_not_kept() -> None:
    norm = normalize("行政許可管理?xiàng)l例》")
    assert [r.text for r in norm.stats.residues] == ["xiàng)"]
    assert "xiàng" not in norm.text


def test_seed_001_and_003_lose_every_gloss_and_keep_real_parentheses(seed: str) -> None:
    doc = load_document(seed_path(seed))
    assert not GLOSS.search(doc.text)
    if seed.startswith("001"):
        assert "(试行)" in doc.text and "(2015-2020)" in doc.text and doc.norm.stats.glosses_removed == 536
    if seed.startswith("003"):
        assert "(2015-2020年)" in doc.text and "(株发〔2016〕16号)" in doc.text
        assert len(doc.norm.stats.residues) == 3


def test_t2s_keeps_mainland_vocabulary() -> None:
    assert to_simplified("程序文件") == "程序文件"
    assert to_simplified("規範性文件備案審查") == "规范性文件备案审查"


def test_whitespace_is_normalized() -> None:
    assert normalize("\u3000\u3000第一段\u00a0文字  \n\n\n\n第二段\t\n").text == "第一段 文字\n第二段"


def test_boilerplate_lines(seed: str) -> None:
    doc = load_document(seed_path(seed))
    for line in doc.text.split("\n"):
        assert boilerplate_category(line) is None, line
    chrome = (
        "首页 >",
        "发布时间",
        "扫一扫",
        "相关文档",
        "△",
        "更多>>",
        "请注意语言文明",
        "索引号",
        "发布机构",
        "字体大小",
    )
    for marker in chrome:
        assert marker not in doc.text, marker


def test_boilerplate_patterns_spare_report_sentences() -> None:
    for line in (
        "发布了《规范性文件管理办法》。",
        "来源于群众的意见建议得到及时办理。",
        "一、2020年工作总结",
    ):
        assert boilerplate_category(line) is None
    for line, category in (
        ("首页 > 政务公开 > 计划总结", "breadcrumb"),
        ("发布时间：2021-03-11 来源：市司法局", "publication_info"),
        ("【打印本页】【关闭窗口】", "widget"),
        ("版权所有：某市人民政府 湘ICP备05012345号", "copyright"),
        ("△ 2018年全市法治政府建设工作推进会", "photo_caption"),
    ):
        assert boilerplate_category(line) == category


def test_flattened_captions_and_headings_are_split_into_lines() -> None:
    norm = normalize("贯彻实施。 △ 纲要专题讲座 加强对法治政府建设的组织领导 市委常委会每年1次听取汇报。")
    assert norm.text.split("\n") == [
        "贯彻实施。",
        "加强对法治政府建设的组织领导",
        "市委常委会每年1次听取汇报。",
    ]
    assert norm.stats.boilerplate == {"photo_caption": 1}


def test_offset_map_sends_every_character_home(seed: str) -> None:
    doc = load_document(seed_path(seed))
    assert_offsets_sound(doc.norm)


def assert_offsets_sound(norm) -> None:
    assert len(norm.positions) == len(norm.text)
    for i, ch in enumerate(norm.text):
        ostart, oend = norm.to_original(i, i + 1)
        assert 0 <= ostart < oend <= len(norm.original)
        source = norm.original[ostart:oend]
        if ch in " \n":
            assert source.isspace() or source in "　\u00a0", (i, ch, source)
        elif to_simplified(source) != ch and source != ch:
            # OpenCC converts phrases: check the character in its context (覆核 → 复核).
            window = norm.original[max(0, ostart - 3) : ostart + 4]
            assert ch in to_simplified(window), (i, ch, source)


def test_quote_maps_back_to_traditional_as_printed() -> None:
    doc = load_document(seed_path("001_b1447d7b30bc702a"))
    at = doc.text.index("相山区成功创建")
    assert doc.norm.original_text(at, at + 7) == "相山區(qū)成功創(chuàng)建"
