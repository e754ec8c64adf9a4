"""PDF and Word reports: the seeds typeset as PDF and DOCX at test time score like their text.

The files are made once per module (tests/docmaker.py: reportlab with its built-in CJK font,
wrapped to the page width over several pages with page numbers and running headers; python-docx
with headings, paragraphs and a table) and scored with one CLI call, as a user runs it.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from scorer.errors import InputError
from scorer.formats import docx_text
from scorer.ingest import decode_report, read_report
from scorer.reflow import Line, reflow

from conftest import SEEDS, run, seed_path
from docmaker import make_docx, make_partly_scanned_pdf, make_pdf, make_scanned_pdf

OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504


def _pdf_style(seed: str) -> dict[str, str]:
    """Both footer styles and a running header on some seeds."""
    return {
        "footer": "of" if seed.startswith(("001", "004")) else "dash",
        "header": "法治政府建设年度报告" if seed.startswith(("002", "003")) else "",
    }


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    for seed in SEEDS:
        text = seed_path(seed).read_text("utf-8")
        shutil.copy(seed_path(seed), folder / f"{seed}.txt")
        make_pdf(text, folder / f"{seed}.pdf", **_pdf_style(seed))
        make_pdf(text, folder / f"{seed}.flat.pdf", indent=False, justify=True)
        make_docx(text, folder / f"{seed}.docx")
        make_docx(text, folder / f"{seed}.num.docx", numbering=True)
    return folder


@pytest.fixture(scope="module")
def scored(made: Path) -> dict[str, dict]:
    """Every seed as .txt, .pdf (indented, and flat: justified without indents), .docx and .docx with
    Word's automatic heading numbering, scored in one `scorer score --json` call."""
    exts = ("txt", "pdf", "flat.pdf", "docx", "num.docx")
    files = [made / f"{seed}.{ext}" for seed in SEEDS for ext in exts]
    result = run("score", *map(str, files), "--json", "--backend", "rules", timeout=300)
    cards = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {Path(card["source"]).name: card for card in cards}


def test_made_pdfs_have_wrapped_lines_pages_and_page_numbers(made: Path) -> None:
    """The acceptance test below means something only if the PDFs need reflowing."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(made / f"{SEEDS[0]}.pdf"))
    pages = [page.get_textpage().get_text_range() for page in pdf]
    assert len(pages) >= 3
    assert "- 2 -" in pages[1]
    paragraphs = [line for line in seed_path(SEEDS[0]).read_text("utf-8").splitlines() if line.strip()]
    assert sum(len(p.splitlines()) for p in pages) > 2 * len(paragraphs)


@pytest.mark.parametrize("ext", ["pdf", "flat.pdf", "docx", "num.docx"])
def test_seeds_as_pdf_and_docx_score_like_their_text(scored: dict[str, dict], seed: str, ext: str) -> None:
    text, other = scored[f"{seed}.txt"], scored.get(f"{seed}.{ext}")
    assert other is not None, f"{seed}.{ext} was not scored"
    assert abs(other["total"] - text["total"]) <= 1
    assert (other["graded"], other["grade"]) == (text["graded"], text["grade"])
    for mine, theirs in zip(other["dimensions"], text["dimensions"], strict=True):
        assert mine["id"] == theirs["id"]
        assert abs(mine["score"] - theirs["score"]) <= 1, mine["id"]
    assert [(r["id"], r["status"]) for r in other["required"]] == [
        (r["id"], r["status"]) for r in text["required"]
    ]
    assert other["metadata"]["year"] == text["metadata"]["year"]


def test_word_numbered_headings_keep_their_sections(made: Path, seed: str) -> None:
    """Headings numbered by Word (一、 （一） 1. not in the paragraph text) are headings again: every
    sentence has the section (work / problems / plans) and heading flag it has in the .txt."""
    import docx

    from scorer.pipeline import load_document

    from docmaker import NUMBERED

    typed = [p.text for p in docx.Document(str(made / f"{seed}.num.docx")).paragraphs]
    assert not any(NUMBERED.match(text) for text in typed)  # the numbers are Word's, not the text's

    def layout(path: Path) -> list[tuple[str, bool]]:
        return [(s.section, s.heading) for s in load_document(path).sentences]

    assert layout(made / f"{seed}.num.docx") == layout(made / f"{seed}.txt")


def test_format_is_recorded(made: Path) -> None:
    assert read_report(made / f"{SEEDS[0]}.pdf").format == "pdf"
    assert read_report(made / f"{SEEDS[0]}.docx").format == "docx"
    assert read_report(made / f"{SEEDS[0]}.txt").format == "txt"


def test_a_pdf_named_txt_is_read_as_pdf(made: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "report.txt"
    shutil.copy(made / f"{SEEDS[2]}.pdf", disguised)
    raw = read_report(disguised)
    assert raw.format == "pdf"
    assert "现将相关情况报告如下" in raw.text


def test_scanned_pdf_is_an_input_error_not_a_score(tmp_path: Path) -> None:
    scan = make_scanned_pdf(tmp_path / "scan.pdf")
    result = run("score", str(scan), "--backend", "rules")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "扫描件没有文字层" in lines[0] and "OCR" in lines[0] and str(scan) in lines[0]


def test_partly_scanned_pdf_is_scored_provisionally_and_says_which_pages(tmp_path: Path) -> None:
    """A PDF with a scanned page among text pages: the memo, the JSON and the ranking say which
    page was not read and that the grade is provisional; the same PDF fully typeset says nothing."""
    folder = tmp_path / "in"
    folder.mkdir()
    text = seed_path(SEEDS[0]).read_text("utf-8")
    make_partly_scanned_pdf(text, tmp_path / "part.pdf", scanned=(2,)).rename(folder / "part.pdf")
    make_pdf(text, folder / "full.pdf")
    assert read_report(folder / "part.pdf").unread_pages == (2,)
    assert read_report(folder / "full.pdf").unread_pages == ()
    out = tmp_path / "out"
    result = run("batch", str(folder), "--out", str(out), "--backend", "rules", timeout=300)
    assert result.returncode == 1, result.stderr  # provisional, like a report with failed chunks
    assert "part.pdf: 第 2 页没有文字层（可能是扫描页），评分为暂定" in result.stderr
    single = run("score", str(folder / "part.pdf"), "--backend", "rules")
    assert single.returncode == 1 and "第 2 页没有文字层" in single.stdout
    note = "第 2 页没有文字层（可能是扫描页），这些页的内容未计分；请 OCR 后重新评分。"
    part, full = (json.loads((out / f"{name}.json").read_text("utf-8")) for name in ("part", "full"))
    assert note in part["notes"] and part["provisional"] is True and part["unread_pages"] == [2]
    assert not any("文字层" in n for n in full["notes"]) and full["provisional"] is False
    assert "unread_pages" not in full
    assert part["total"] < full["total"] - 5  # the page's measures were really not scored
    memo = (out / "part.md").read_text("utf-8")
    assert "（暂定：" in memo and note in memo and "抽取失败" not in memo
    assert "暂定" not in (out / "full.md").read_text("utf-8")
    with (out / "ranking.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["文件"]: row for row in csv.DictReader(handle)}
    assert rows["part.pdf"]["评分暂定"] == "是" and "第 2 页没有文字层" in rows["part.pdf"]["说明"]
    assert rows["full.pdf"]["评分暂定"] == "否" and "文字层" not in rows["full.pdf"]["说明"]


def test_a_signature_page_with_a_seal_is_not_a_scanned_page(tmp_path: Path) -> None:
    """The last page of many reports holds only the issuer, the date and a small seal image."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    from docmaker import FONT, register_font

    register_font()
    path = tmp_path / "signed.pdf"
    canvas = Canvas(str(path))
    canvas.setFont(FONT, 12)
    report = "全年共办理行政复议案件54件，组织集体学法110余次。" * 12
    for row in range(0, len(report), 30):
        canvas.drawString(72, 760 - row, report[row : row + 30])
    canvas.showPage()
    canvas.setFont(FONT, 12)
    canvas.drawString(300, 500, "浏阳市人民政府")
    canvas.drawString(300, 480, "2021年3月8日")
    canvas.drawImage(ImageReader(Image.new("RGB", (40, 40), (200, 0, 0))), 320, 470, 110, 110)
    canvas.save()
    assert decode_report(path.read_bytes(), source="signed.pdf").unread_pages == ()


def _ofd(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return path


@pytest.mark.parametrize(
    ("name", "make", "hint"),
    [
        ("report.doc", lambda p: p.write_bytes(OLE2), "soffice --headless --convert-to docx"),
        ("report.wps", lambda p: p.write_bytes(OLE2), "soffice --headless --convert-to docx"),
        ("report.ofd", _ofd, "OFD"),
        ("corrupt.docx", lambda p: p.write_bytes(b"PK\x03\x04" + b"garbage" * 40), "soffice"),
        ("word.txt", lambda p: p.write_bytes(OLE2), "soffice"),
    ],
)
def test_formats_to_convert_name_the_conversion(tmp_path: Path, name: str, make, hint: str) -> None:
    path = tmp_path / name
    make(path)
    result = run("score", str(path), "--backend", "rules")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and hint in lines[0] and str(path) in lines[0]


def test_batch_takes_pdf_and_docx_and_says_what_it_skipped(made: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(made / f"{SEEDS[0]}.txt", folder / "a.txt")
    shutil.copy(made / f"{SEEDS[2]}.pdf", folder / "b.pdf")
    shutil.copy(made / f"{SEEDS[4]}.docx", folder / "c.docx")
    (folder / "d.doc").write_bytes(OLE2)
    (folder / "e.xlsx").write_bytes(b"PK\x03\x04")
    result = run("batch", str(folder), "--out", str(tmp_path / "out"), "--backend", "rules", timeout=300)
    assert result.returncode == 1, result.stderr  # one report failed
    with (tmp_path / "out" / "ranking.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["文件"] for row in rows if row["排名"]) == ["a.txt", "b.pdf", "c.docx"]
    assert [row["评分失败"] for row in rows if row["文件"] == "d.doc"] == ["是"]
    assert not (tmp_path / "out" / "d.json").exists() and not (tmp_path / "out" / "d.md").exists()
    ranking_md = (tmp_path / "out" / "ranking.md").read_text("utf-8")
    assert "d.doc" in ranking_md and "soffice" in ranking_md
    assert "d.doc" in result.stderr and "soffice" in result.stderr
    assert "e.xlsx" in result.stderr


def _line(text: str, left: float = 70, right: float = 525, size: float = 12) -> Line:
    return Line(text, left, right, size, lead=size)


def test_reflow_joins_wrapped_lines_and_drops_page_furniture() -> None:
    pages = [
        [
            _line("法治政府建设年度报告", 250, 345, 9),
            _line("一、主要工作", 94, 178),
            _line("全年共办理行政复议案件54件，纠错率12%，比上年", 94),
            _line("提高3个百分点。", right=160),
            _line("- 1 -", 280, 300, 9),
        ],
        [
            _line("法治政府建设年度报告", 250, 345, 9),
            _line("（一）强化学法。组织集体学法110余次，领导干部", 94),
            _line("应知应会考试全覆盖。", right=190),
            _line("第 2 页 共 2 页", 260, 320, 9),
        ],
    ]
    assert reflow(pages) == (
        "一、主要工作\n"
        "全年共办理行政复议案件54件，纠错率12%，比上年提高3个百分点。\n"
        "（一）强化学法。组织集体学法110余次，领导干部应知应会考试全覆盖。\n"
    )


def test_reflow_keeps_a_short_line_and_an_indented_line_apart() -> None:
    pages = [
        [
            _line("开展执法培训2次，参训300人次。", right=300),
            _line("建立行政执法日常检查机制，全面推行重大执法决定", 94),
            _line("法制审核制度。", right=150),
            _line("下一步，我们将继续推进依法行政工作。", 94, 400),
        ]
    ]
    assert reflow(pages).splitlines() == [
        "开展执法培训2次，参训300人次。",
        "建立行政执法日常检查机制，全面推行重大执法决定法制审核制度。",
        "下一步，我们将继续推进依法行政工作。",
    ]


def test_reflow_breaks_where_the_next_word_would_have_fit() -> None:
    """A line that stops short because the next number did not fit was wrapped, not ended."""
    full = [
        _line("全面推行行政执法公示制度、执法全过程记录制度、重大执法"),
        _line("决定法制审核制度。", right=190),
    ]
    number = Line("92%,行政执法质量逐年提高。", 70, 250, 12, lead=30)
    pages = [[*full, _line("评查执法案卷600余份，优秀率", 94, 505), number]]
    assert reflow(pages).splitlines()[1] == "评查执法案卷600余份，优秀率92%,行政执法质量逐年提高。"
    han = Line("本年度工作情况如下。", 70, 250, 12, lead=12)
    assert reflow([[*full, _line("总体情况", 94, 505), han]]).splitlines()[1:] == [
        "总体情况",
        "本年度工作情况如下。",
    ]


def test_docx_tables_come_in_document_order_one_row_per_line(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("一、主要工作", level=1)
    document.add_paragraph("表1 行政复议情况")
    table = document.add_table(rows=2, cols=3)
    values = [("项目", "2023年", "2024年"), ("行政复议案件", "40件", "54件")]
    for row, cells in zip(table.rows, values, strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    merged = table.add_row().cells
    merged[0].merge(merged[2]).text = "合计增长35%"
    document.add_paragraph("二、存在的不足")
    path = tmp_path / "t.docx"
    document.save(str(path))
    assert docx_text(path.read_bytes(), str(path)).splitlines() == [
        "一、主要工作",
        "表1 行政复议情况",
        "项目，2023年，2024年",
        "行政复议案件，40件，54件",
        "合计增长35%",
        "二、存在的不足",
    ]


def test_docx_layout_box_keeps_its_paragraphs_as_lines(tmp_path: Path) -> None:
    """Some sites put the whole report in a one-cell table: its headings must stay headings."""
    import docx

    document = docx.Document()
    box = document.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "一、主要工作"
    box.add_paragraph("全年办理行政复议案件54件。")
    inner = box.add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "法律援助案件", "839件"
    box.add_paragraph("二、存在的不足")
    path = tmp_path / "box.docx"
    document.save(str(path))
    assert docx_text(path.read_bytes(), str(path)).splitlines() == [
        "一、主要工作",
        "全年办理行政复议案件54件。",
        "法律援助案件，839件",
        "二、存在的不足",
    ]


def test_html_saved_as_doc_is_read_as_html() -> None:
    raw = decode_report(
        "<html><body><p>渭滨区法治政府建设工作总结</p></body></html>".encode(), source="r.doc"
    )
    assert raw.format == "html" and "工作总结" in raw.text


def test_unknown_binary_named_doc_is_a_conversion_error() -> None:
    with pytest.raises(InputError, match="soffice"):
        decode_report(b"\x01\x02binary", source="r.doc")


def _one_page_pdf(path: Path, text: str, **canvas_options: object) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    from docmaker import FONT, register_font

    register_font()
    canvas = Canvas(str(path), **canvas_options)
    canvas.setFont(FONT, 12)
    for row in range(0, len(text), 30):
        canvas.drawString(72, 760 - row, text[row : row + 30])
    canvas.save()
    return path.read_bytes()


def test_encrypted_broken_and_garbled_pdfs_are_input_errors(tmp_path: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    report = "全年共办理行政复议案件54件，组织集体学法110余次。" * 4
    locked = _one_page_pdf(tmp_path / "locked.pdf", report, encrypt=StandardEncryption("secret"))
    with pytest.raises(InputError, match="加密"):
        decode_report(locked, source="locked.pdf")
    with pytest.raises(InputError, match="损坏"):
        decode_report(b"%PDF-1.4\n1 0 obj garbage", source="broken.pdf")
    garbled = _one_page_pdf(tmp_path / "pua.pdf", "".join(chr(0xE000 + i) for i in range(120)))
    with pytest.raises(InputError, match="无法解码"):
        decode_report(garbled, source="pua.pdf")
    plain = _one_page_pdf(tmp_path / "plain.pdf", report)
    assert "行政复议案件54件" in decode_report(plain, source="plain.pdf").text


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/></w:lvl>'
    )


def _numbered_docx(path: Path, levels: str, nums: str, paragraphs: list[tuple[str, str | None, int]]) -> str:
    """A .docx with abstractNum 99 of these levels and these w:num elements (ids above the
    template's own), and paragraphs given as (text, numId, ilvl); its text as docx_text reads it."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="99">{levels}</w:abstractNum>'))
    for num in parse_xml(f"<w:x {W}>{nums}</w:x>"):
        numbering.append(num)
    for text, num_id, ilvl in paragraphs:
        paragraph = document.add_paragraph(text)
        if num_id is not None:
            num_pr = f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
            paragraph._p.get_or_add_pPr().append(parse_xml(num_pr))
    document.save(str(path))
    return docx_text(path.read_bytes(), str(path))


def test_word_numbering_counts_restarts_and_overrides(tmp_path: Path) -> None:
    levels = _lvl(0, "chineseCounting", "%1、", start=9) + _lvl(1, "decimal", "%1.%2", extra="<w:isLgl/>")
    nums = (
        f'<w:num {W} w:numId="50"><w:abstractNumId w:val="99"/></w:num>'
        f'<w:num {W} w:numId="60"><w:abstractNumId w:val="99"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride></w:num>'
    )
    paragraphs = [
        ("年度工作", "50", 0),
        ("学法", "50", 1),
        ("普法", "50", 1),
        ("存在的不足", "50", 0),
        ("原因", "50", 1),  # the lower level restarts under a new top-level item
        ("没有编号的段落", None, 0),
        ("工作打算", "50", 0),
        ("另一个列表", "60", 0),  # a list of its own, starting at its override
        ("编号被取消", "0", 0),
    ]
    assert _numbered_docx(tmp_path / "n.docx", levels, nums, paragraphs).splitlines() == [
        "九、年度工作",
        "9.1学法",
        "9.2普法",
        "十、存在的不足",
        "10.1原因",
        "没有编号的段落",
        "十一、工作打算",
        "三、另一个列表",
        "编号被取消",
    ]


def test_word_numbering_formats_and_bullets(tmp_path: Path) -> None:
    levels = (
        _lvl(0, "chineseCountingThousand", "第%1部分")
        + _lvl(1, "ideographTraditional", "%2.")
        + _lvl(2, "bullet", "\uf0b7")
        + _lvl(3, "decimalEnclosedCircle", "%4")
        + '<w:lvl w:ilvl="4"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        '<w:lvlPicBulletId w:val="0"/><w:lvlText w:val="\uf0b7"/></w:lvl>'
    )
    nums = f'<w:num {W} w:numId="70"><w:abstractNumId w:val="99"/></w:num>'
    paragraphs = [("总体情况", "70", 0), ("甲项", "70", 1), ("乙项", "70", 1), ("要点", "70", 2)]
    paragraphs += [("分项", "70", 3), ("图片项目符号", "70", 4)]
    assert _numbered_docx(tmp_path / "f.docx", levels, nums, paragraphs).splitlines() == [
        "第一部分总体情况",
        "甲.甲项",
        "乙.乙项",
        "要点",
        "①分项",
        "图片项目符号",
    ]


def test_chinese_counting_past_ten() -> None:
    from scorer.numbering import FORMATS

    counting = FORMATS["chineseCounting"]
    assert [counting(n) for n in (1, 10, 11, 20, 21, 99, 100, 105, 110)] == [
        "一", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十"
    ]  # fmt: skip
