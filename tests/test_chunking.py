"""Chunking follows the report's own headings and always tiles the text."""

from __future__ import annotations

import pytest

from scorer.chunking import chunk_text
from scorer.pipeline import load_document

from conftest import seed_path

EXPECTED_TITLES = {
    "000": ["（前言）", "一、2020年工作总结", "二、存在的问题和不足", "三、2021年工作规划"],
    "001": [
        "（前言）",
        "一、优化结构配置,政府职能全面履行",
        "二、完善机制体制,依法行政运行高效",
        "三、依法科学民主,行政决策落实有力",
        "四、推进公正文明,行政执法严格规范",
        "五、强化对行政权力的制约和监督",
        "六、狠抓基层治理,矛盾纠纷有效化解",
        "七、加强组织领导和工作保障",
    ],
    "002": ["（前言）", "一、年度工作情况", "二、存在的问题和困难", "三、下一年度工作打算"],
    "003": [
        "（前言）",
        "加强对法治政府建设的组织领导",
        "深化行政审批制度改革",
        "积极开展了“减证便民”专项行动",
        "大力推行权力清单、责任清单制度并实行动态管理",
        "加强市场监管",
        "加强社会治理能力建设",
        "加强重点领域政府立法",
        "加强规范性文件监督管理",
        "强化重大行政决策合法性审查 + 改革行政执法体制",
        "加强行政执法监督",
        "完善社会监督和舆论监督机制",
        "依法受理办理行政复议案件",
        "抓住领导干部这个法治政府建设的“关键少数”",
    ],
    "004": [
        "（前言）",
        "一、强化组织领导,夯实工作责任,全区法治建设工作扎实推进",
        "二、注重法律服务,科学依法决策,法治政府建设工作步入制度化、规范化、标准化轨道",
        "三、严把制发程序,开展专项清理,规范性文件质量水平逐步提高",
        "四、创新复议方式,提升应诉能力,行政争议化解机制不断完善",
        "五、加强监督制约,规范执法行为,促进严格规范公正文明执法",
        "六、推行政务公开,接受社会监督,保障群众的知情权、参与权、监督权",
    ],
}


def test_seed_chunk_titles(seed: str) -> None:
    doc = load_document(seed_path(seed))
    assert [c.title for c in chunk_text(doc.text)] == EXPECTED_TITLES[seed[:3]]


def test_packing_joins_sections_into_calls_at_headings(seed: str) -> None:
    text = load_document(seed_path(seed)).text
    sections = chunk_text(text, max_chars=1000)
    packed = chunk_text(text, max_chars=1000, pack=True)
    assert len(packed) <= len(sections)
    assert "".join(c.text_of(text) for c in packed) == text
    assert {c.start for c in packed} <= {s.start for s in sections}
    assert all(c.end - c.start <= 1000 for c in packed)


@pytest.mark.parametrize("max_chars", [300, 1000, 6000])
def test_chunks_tile_and_respect_the_limit(seed: str, max_chars: int) -> None:
    text = load_document(seed_path(seed)).text
    chunks = chunk_text(text, max_chars=max_chars)
    assert "".join(c.text_of(text) for c in chunks) == text
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.end - c.start <= max_chars for c in chunks)


def test_sub_headings_stay_inside_their_top_level_chunk() -> None:
    text = "一、工作总结\n(一)组织领导\n1.加强领导。" + "正文。" * 50 + "\n二、存在问题\n" + "问题。" * 50
    titles = [c.title for c in chunk_text(text)]
    assert titles == ["一、工作总结", "二、存在问题"]


def test_oversized_chunk_splits_at_sub_headings_first() -> None:
    text = "一、工作总结\n(一)组织领导\n" + "领导。" * 120 + "\n(二)依法决策\n" + "决策。" * 120
    chunks = chunk_text(text, max_chars=500)
    assert [c.title for c in chunks] == ["一、工作总结 + (一)组织领导", "一、工作总结 > (二)依法决策"]


def test_no_headings_falls_back_to_paragraph_packing() -> None:
    text = "\n".join(f"第{i}段的内容，这是一句很长的没有标题的话，用来测试分块。" * 3 for i in range(40))
    chunks = chunk_text(text, max_chars=1000)
    assert len(chunks) > 1 and "".join(c.text_of(text) for c in chunks) == text


def test_markdown_headings() -> None:
    text = "# 一年工作\n" + "内容。" * 60 + "\n# 存在问题\n" + "问题。" * 60
    assert [c.title for c in chunk_text(text)] == ["一年工作", "存在问题"]
