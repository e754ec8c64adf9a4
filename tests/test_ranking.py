"""The batch ranking an office opens: Chinese CSV with a BOM, an xlsx with a sheet per rubric,
one ranking per rubric, equal totals sharing a rank, and every document accounted for."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from scorer.assess import Options, assess_file
from scorer.batch import Job, Outcome, ranking
from scorer.memo import md_escape

from conftest import REPORTS, run, seed_path

OUTLINE_2015 = "000_bbf3d8a01ec62c26"  # 浏阳市 2020, published 2021-03-08
CAPPED_2015 = "001_b1447d7b30bc702a"  # 相山区 2020, 良好 by points, capped to 合格
EVALUATION = "003_8d0d213d0836cbcc"  # not an annual report
OUTLINE_2021 = "004_e694e6b91e23d625"  # 渭滨区 2024, published 2025-01-03
NAME_2015 = "法治政府建设实施纲要（2015—2020年）"
NAME_2021 = "法治政府建设实施纲要（2021—2025年）"


@cache
def _card(seed: str) -> str:
    return json.dumps(assess_file(seed_path(seed), Options(backend="rules")).card.model_dump(mode="json"))


def card(seed: str, **changes: Any) -> dict[str, Any]:
    """A rules card of a seed (computed once per seed), with fields replaced."""
    return {**json.loads(_card(seed)), **changes}


def outcome(name: str, c: dict[str, Any] | None, error: str | None = None) -> Outcome:
    return Outcome(Job(Path(name), Path(name).stem), c, error=error)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`scorer batch --json` over a 2015 seed and its copy (equal totals), a capped 2015 seed, a 2021
    seed and the evaluation: the output directory and what --json printed."""
    reports = tmp_path_factory.mktemp("reports")
    for seed in (OUTLINE_2015, CAPPED_2015, EVALUATION, OUTLINE_2021):
        (reports / f"{seed}.txt").write_bytes(seed_path(seed).read_bytes())
    (reports / "zz_copy.txt").write_bytes(seed_path(OUTLINE_2015).read_bytes())
    out = reports.parent / "out"
    r = run("batch", str(reports), "--out", str(out), "--backend", "rules", "--json", timeout=120)
    assert r.returncode == 0, r.stderr
    return out, r.stdout


def test_ranking_csv_opens_in_excel_bom_and_chinese_headers(batch_out: tuple[Path, str]) -> None:
    data = (batch_out[0] / "ranking.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "Excel reads a CSV without a BOM in the local code page"
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    wanted = ["排名", "评分标准", "文件", "发文机关", "文件类型", "报告年度", "发布日期", "总分"]
    wanted += ["等级", "已评级", "评分暂定", "评分失败"]
    assert [column for column in wanted if column not in header] == []
    assert not [h for h in header if h.isascii()], f"English headers left: {header}"
    assert (batch_out[0] / "not_graded.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_each_rubric_is_ranked_on_its_own_and_equal_totals_share_a_rank(batch_out: tuple[Path, str]) -> None:
    rows = rows_of((batch_out[0] / "ranking.csv").read_text("utf-8-sig"))
    ranked = [(r["评分标准"], r["文件"], r["排名"]) for r in rows if r["排名"]]
    assert ranked == [
        (NAME_2021, f"{OUTLINE_2021}.txt", "1"),  # the only 2021 report is first of its own ranking
        (NAME_2015, f"{OUTLINE_2015}.txt", "1"),
        (NAME_2015, "zz_copy.txt", "1"),  # the same report under another name: same total, same rank
        (NAME_2015, f"{CAPPED_2015}.txt", "3"),  # competition ranking: 1, 1, 3
    ]


def test_ranking_csv_columns_say_what_each_document_is(batch_out: tuple[Path, str]) -> None:
    rows = {r["文件"]: r for r in rows_of((batch_out[0] / "ranking.csv").read_text("utf-8-sig"))}
    first = rows[f"{OUTLINE_2015}.txt"]
    assert [first[k] for k in ("文件类型", "报告年度", "发布日期")] == [
        "法治政府建设年度报告",
        "2020",
        "2021-03-08",
    ]
    assert [first[k] for k in ("已评级", "评分暂定", "评分失败", "等级")] == ["是", "否", "否", "良好"]
    assert rows[f"{OUTLINE_2021}.txt"]["发布日期"] == "2025-01-03"
    assert "合格" in rows[f"{CAPPED_2015}.txt"]["说明"], "the cap is explained"
    evaluation = rows[f"{EVALUATION}.txt"]
    assert (evaluation["排名"], evaluation["已评级"], evaluation["文件类型"]) == ("", "否", "评估或新闻报道")
    assert evaluation["总分"] == "" and evaluation["等级"] == ""
    assert list(rows)[-1] == f"{EVALUATION}.txt", "documents not ranked come after the ranked ones"


def test_dimension_columns_never_mix_rubrics(batch_out: tuple[Path, str]) -> None:
    rows = {r["文件"]: r for r in rows_of((batch_out[0] / "ranking.csv").read_text("utf-8-sig"))}
    old, new = rows[f"{OUTLINE_2015}.txt"], rows[f"{OUTLINE_2021}.txt"]
    leadership_2015, leadership_2021 = (
        "加强对法治政府建设的组织领导",
        "加强党的领导，完善法治政府建设推进机制",
    )
    assert old[leadership_2015] != "" and new[leadership_2015] == ""
    assert new[leadership_2021] != "" and old[leadership_2021] == ""


def test_batch_json_is_the_csv_ranking(batch_out: tuple[Path, str]) -> None:
    out, printed = batch_out
    lines = [json.loads(line) for line in printed.splitlines()]
    csv_rows = rows_of((out / "ranking.csv").read_text("utf-8-sig"))
    assert [(j["file"], j["rank"]) for j in lines] == [
        (r["文件"], int(r["排名"]) if r["排名"] else None) for r in csv_rows
    ]
    by_file = {j["file"]: j for j in lines}
    assert by_file["zz_copy.txt"]["rank"] == by_file[f"{OUTLINE_2015}.txt"]["rank"] == 1
    assert by_file[f"{OUTLINE_2021}.txt"]["rubric"] == "outline-2021"
    assert by_file[f"{EVALUATION}.txt"]["graded"] is False and by_file[f"{EVALUATION}.txt"]["rank"] is None


def test_ranking_md_has_one_table_per_rubric(batch_out: tuple[Path, str]) -> None:
    md = (batch_out[0] / "ranking.md").read_text("utf-8")
    _, after_2021 = md.split(f"## {NAME_2021}")
    table_2021, after_2015 = after_2021.split(f"## {NAME_2015}")
    table_2015 = after_2015.split("## 未评级文件")[0]
    new, old = md_escape(OUTLINE_2021), md_escape(OUTLINE_2015)
    assert new in table_2021 and old not in table_2021
    assert old in table_2015 and new not in table_2015
    rows = [line for line in table_2015.splitlines() if line.startswith("| ") and "|" in line[2:]]
    ranks = [line.split(" | ")[0] for line in rows[2:]]  # after the header and the --- line
    assert ranks == ["| 1", "| 1", "| 3"]


def test_xlsx_has_a_sheet_per_rubric_frozen_header_and_coloured_grades(batch_out: tuple[Path, str]) -> None:
    wb = openpyxl.load_workbook(batch_out[0] / "ranking.xlsx")
    assert wb.sheetnames == ["2021–2025纲要", "2015–2020纲要", "未评级"]
    for ws in wb:
        assert ws.freeze_panes == "A2"
    sheet = wb["2015–2020纲要"]
    header = [c.value for c in sheet[1]]
    grade = header.index("等级")
    cells = [row[grade] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["良好", "良好", "合格"], "the grade text is kept"
    fills = [c.fill.fgColor.rgb for c in cells]
    assert fills[0] == fills[1] != fills[2] and all(f not in (None, "00000000") for f in fills)
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [1, 1, 3]
    assert (
        "依法有效化解社会矛盾纠纷" in header
        and "健全突发事件应对体系，依法预防处置重大突发事件" not in header
    )
    assert sheet.column_dimensions["B"].width >= 20, "file names are not cut to Excel's default width"
    unrated = [row[0].value for row in wb["未评级"].iter_rows(min_row=2)]
    assert unrated == [f"{EVALUATION}.txt"]


def test_unrated_sheet_lists_failed_extractions_and_every_grade_has_a_colour() -> None:
    outcomes = [
        outcome(f"{g}.txt", card(OUTLINE_2015, grade=g, total=t))
        for g, t in (("不合格", 40.0), ("优秀", 90.0), ("合格", 60.0), ("良好", 75.0))
    ]
    outcomes.append(outcome("broken.txt", None, error="broken.txt: HTTP 401 from x: no"))
    files = ranking(outcomes)
    wb = openpyxl.load_workbook(io.BytesIO(files.xlsx))
    ranked = list(wb["2015–2020纲要"].iter_rows(min_row=2, max_col=8, values_only=False))
    assert [(r[0].value, r[7].value) for r in ranked] == [
        (1, "优秀"),
        (2, "良好"),
        (3, "合格"),
        (4, "不合格"),
    ]
    assert len({r[7].fill.fgColor.rgb for r in ranked}) == 4, "each grade has its own colour"
    failed = [[c.value for c in row] for row in wb["未评级"].iter_rows(min_row=2)]
    assert failed[0][0] == "broken.txt" and "是" in failed[0] and "HTTP 401" in failed[0][-1]
    row = rows_of(files.csv)[-1]
    assert (row["文件"], row["评分失败"], row["已评级"], row["排名"]) == ("broken.txt", "是", "否", "")


def test_equal_totals_under_different_grades_do_not_share_a_rank() -> None:
    """A capped report keeps its points but ranks below every report of a better grade."""
    good = card(OUTLINE_2015, grade="良好", total=72.49)
    capped = card(OUTLINE_2015, grade="合格", total=72.49)
    rows = rows_of(ranking([outcome("capped.txt", capped), outcome("good.txt", good)]).csv)
    assert [(r["文件"], r["排名"]) for r in rows] == [("good.txt", "1"), ("capped.txt", "2")]


def test_spreadsheet_cells_never_become_formulas() -> None:
    """An issuer read off a hostile report must not run as a formula in Excel."""
    hostile = card(OUTLINE_2015)
    hostile["metadata"] = {**hostile["metadata"], "issuer": '=HYPERLINK("http://x","点击")'}
    files = ranking([outcome("-cmd.txt", hostile)])
    row = rows_of(files.csv)[0]
    assert row["发文机关"].startswith("'=") and row["文件"] == "'-cmd.txt"
    cell = openpyxl.load_workbook(io.BytesIO(files.xlsx))["2015–2020纲要"]["C2"]
    assert cell.value == '=HYPERLINK("http://x","点击")' and cell.data_type == "s"


def test_an_empty_batch_still_writes_a_workbook() -> None:
    files = ranking([outcome("broken.txt", None, error="broken.txt: binary")])
    assert openpyxl.load_workbook(io.BytesIO(files.xlsx)).sheetnames == ["未评级"]
    assert "没有可排名的年度报告" in files.md


def test_seed_rubrics_are_as_the_tests_assume() -> None:
    assert card(OUTLINE_2015)["rubric"]["id"] == "outline-2015"
    assert card(OUTLINE_2021)["rubric"]["id"] == "outline-2021"
    assert (REPORTS / f"{EVALUATION}.txt").exists() and card(EVALUATION)["graded"] is False
