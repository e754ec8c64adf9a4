"""Metadata of the five seeds, each value read from the text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scorer.pipeline import load_document

from conftest import seed_path

EXPECTED = {
    "000": {
        "issuer": "浏阳市人民政府",
        "region": "浏阳市",
        "year": 2020,
        # Signed 2021年3月8日 under the report; the site's 发布时间 2021-03-11 is only a fallback.
        "published": date(2021, 3, 8),
        "signed": date(2021, 3, 8),
        "doc_number": None,
        "kind": "annual_report",
        "script": "simplified",
    },
    "001": {
        "region": "相山区",
        "year": 2020,
        "published": None,
        "kind": "annual_report",
        "script": "traditional",
    },
    "002": {
        "region": "荷塘区",
        "year": 2024,
        "published": None,
        "kind": "annual_report",
        "script": "simplified",
    },
    "003": {"issuer": "株洲市人民政府", "region": "株洲市", "kind": "evaluation", "script": "traditional"},
    "004": {
        "issuer": "渭滨区人民政府",
        "region": "渭滨区",
        "year": 2024,
        "published": date(2025, 1, 3),
        "doc_number": "宝渭司发(2025)1号",
        "kind": "annual_report",
        "script": "simplified",
    },
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_seed_metadata(key: str) -> None:
    seed = next(p.stem for p in seed_path("x").parent.glob(f"{key}_*.txt"))
    md = load_document(seed_path(seed)).metadata
    for field, value in EXPECTED[key].items():
        assert getattr(md, field) == value, field
    for field in ("region", "kind"):
        assert field in md.evidence


def test_evidence_points_into_the_original() -> None:
    doc = load_document(seed_path("004_e694e6b91e23d625"))
    ev = doc.metadata.evidence["doc_number"]
    assert doc.raw.text[ev.start : ev.end] == ev.text and "宝渭司发(2025)1号" in ev.text


def test_evaluation_year_is_within_the_2015_outline() -> None:
    md = load_document(seed_path("003_8d0d213d0836cbcc")).metadata
    assert md.year is not None and 2015 <= md.year <= 2020


NEGATIVES = Path(__file__).parent / "data/negatives"


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("国务院政府工作报告_2020年", None),  # 直达市县基层 names no region
        ("广东省政府工作报告_2024年", None),  # 有序推进农村集体经营性建设用地入市
        ("2017年南山区政府工作报告_2017", "南山区"),  # not 刷爆市 (刷爆市场)
        ("深圳市政府工作报告_2023年", "深圳市"),
        ("龙岗区2016年政府工作报告_2016", "龙岗区"),
    ],
)
def test_a_region_is_a_place_with_a_government(name: str, region: str | None) -> None:
    assert load_document(NEGATIVES / f"{name}.txt").metadata.region == region
