"""Rules of the figure baseline, each shown on a real sentence from a seed report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scorer.figures import chinese_to_decimal, scan


def figures(text: str) -> list[tuple[str, str, str, str | None, str]]:
    return [(f.surface, str(f.canonical), f.unit, f.approx, f.kind) for f in scan(text).figures]


def reasons(text: str) -> dict[str, str]:
    return {r.surface: r.reason for r in scan(text).rejected}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("全年共办理法律援助案件839件", [("839件", "839", "件", None, "count")]),
        ("婚姻家庭纠纷调解成功率达96%以上", [("96%以上", "96", "%", "以上", "percent")]),
        ("资金收缴财政1.97亿元", [("1.97亿元", "197000000", "元", None, "money")]),
        ("发放宣传资料30余万份", [("30余万份", "300000", "份", "余", "count")]),
        ("编印疫情防控法律知识口袋书3万余本", [("3万余本", "30000", "本", "余", "count")]),
        ("“互联网+政务服务”152万余件", [("152万余件", "1520000", "件", "余", "count")]),
        ("办件量达6.2万件", [("6.2万件", "62000", "件", None, "count")]),
        ("较去年提高10.4个百分点", [("10.4个百分点", "10.4", "个百分点", None, "percentage_points")]),
        ("审批时限平均1.8个工作日", [("1.8个工作日", "1.8", "个工作日", None, "duration")]),
        ("执业年限均在15年以上", [("15年以上", "15", "年", "以上", "duration")]),
        (
            "合格率连续6年均达到100%",
            [("6年", "6", "年", None, "duration"), ("100%", "100", "%", None, "percent")],
        ),
        ("各包保组成员对接5-7家单位", [("5-7家", "5", "家", None, "range")]),
        ("各包保组成员对接5至7家单位", [("5至7家", "5", "家", None, "range")]),
        ("全市行政执法人员超过4000名", [("超过4000名", "4000", "名", "超过", "count")]),
        ("热线咨询800余人次", [("800余人次", "800", "人次", "余", "count")]),
        ("各类法律宣传40余场次", [("40余场次", "40", "场次", "余", "count")]),
        ("参训１２０人次", [("１２０人次", "120", "人次", None, "count")]),
        ("受理案件1,234件", [("1,234件", "1234", "件", None, "count")]),
        ("挽回经济损失达600余万元", [("600余万元", "6000000", "元", "余", "money")]),
    ],
)
def test_arabic_figures(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("市政府每年举办两期的领导干部法律研讨班", [("两期", "2", "期", None, "rate")]),
        ("依法治区领导小组工作会议三次", [("三次", "3", "次", None, "count")]),
        ("下设执法、司法、守法普法三个协调小组", [("三个", "3", "个", None, "count")]),
        ("对百余家规上工业企业摸底", [("百余家", "100", "家", "余", "count")]),
        ("开展专题学法十余次", [("十余次", "10", "次", "余", "count")]),
        ("坚持每年开展一次行政执法案卷评查活动", [("一次", "1", "次", None, "rate")]),
        ("市委常委会每年1次听取法治政府建设情况汇报", [("1次", "1", "次", None, "rate")]),
    ],
)
def test_chinese_numeral_figures(sentence: str, expected: list) -> None:
    assert figures(sentence) == expected


def test_cn2an_only_sees_the_numeral() -> None:
    assert figures("统一零售价格") == []
    assert chinese_to_decimal("一百二十") == Decimal(120)
    assert chinese_to_decimal("百") == Decimal(100)


@pytest.mark.parametrize(
    ("sentence", "surface", "reason"),
    [
        ("2020年6月,出台《浏阳市全面推行行政执法三项制度实施方案》", "2020年6月", "date"),
        ("2015年至2017年,株洲市政府共收到行政复议申请457件", "2015年至2017年", "date"),
        ("发布时间: 2025-01-03 09:05:00", "2025-01-03 09:05:00", "date"),
        ("出台了实施方案(株发〔2016〕16号)", "株发〔2016〕16号", "doc_number"),
        ("文号: 宝渭司发(2025)1号", "宝渭司发(2025)1号", "doc_number"),
        (
            "索引号: 610300-1161030201600521X6/2025-00009",
            "610300-1161030201600521X6/2025-00009",
            "index_number",
        ),
        ("建立了统一的“12345市长热线”公共服务平台", "12345", "hotline"),
        ("整合12345热线", "12345", "hotline"),
        ("提供7×24小时服务", "7×24小时", "slogan"),
        ("实施街道办事处“6+2+N”大部门改革", "“6+2+N”", "slogan"),
        ("7月1日,第二批480个政务服务事项", "第二批", "ordinal"),
        ("一是提升法治能力", "一是", "ordinal"),
        ("（三）推进执法改革", "（三）", "ordinal"),
        ("1.加强党的领导", "1.", "ordinal"),
        ("召开委员会第二次会议", "第二次", "ordinal"),
        ("推动全区“八五”普法", "“八五”", "name"),
        ("十九届五中全会精神", "十九届五中全会", "name"),
        ("贯彻落实行政执法三项制度", "三项制度", "name"),
        ("把法律送进千家万户", "千家万户", "idiom"),
        ("打造一站式服务", "一站式", "idiom"),
        ("实现“最多跑一次”", "“最多跑一次”", "name"),
        ("推行一件事一次办", "一件事一次办", "idiom"),
        ("进一步规范", "进一步", "idiom"),
    ],
)
def test_rejected_with_reason(sentence: str, surface: str, reason: str) -> None:
    found = reasons(sentence)
    assert found.get(surface) == reason, found
    assert not any(surface in f[0] or f[0] in surface for f in figures(sentence))


def test_ordinal_then_count() -> None:
    assert figures("7月1日,第二批480个政务服务事项") == [("480个", "480", "个", None, "count")]


def test_units_longest_first() -> None:
    units = [f[2] for f in figures("培训300人次,组织2场次,限时1.8个工作日")]
    assert units == ["人次", "场次", "个工作日"]


def test_units_beyond_the_seeds() -> None:
    found = figures("清理河道12公里,治理土地300亩,建成2000平方米,查处案件5宗,发放补贴3批次,收回土地7.5公顷")
    assert [f[2] for f in found] == ["公里", "亩", "平方米", "宗", "批次", "公顷"]


def test_offsets_are_exact() -> None:
    text = "其中行政许可144项、行政处罚2046项"
    for f in scan(text).figures:
        assert text[f.start : f.end] == f.surface


def test_same_figures_on_every_variant_of_every_seed() -> None:
    from scorer.ingest import decode_report
    from scorer.pipeline import load_document, prepare

    from conftest import SEEDS, seed_path
    from variants import VARIANTS

    for seed in SEEDS:
        original = load_document(seed_path(seed))
        expected = [f.key() for f in scan(original.text).figures]
        for name, make in VARIANTS.items():
            data, ext = make(original.raw.text)
            doc = prepare(decode_report(data, source=f"{seed}{ext}"))
            assert [f.key() for f in scan(doc.text).figures] == expected, (seed, name)
