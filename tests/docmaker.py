"""Make PDF and DOCX versions of a text report, the way government sites publish them.

Used by tests/test_formats.py and benchmarks/pdf_libraries.py. The PDF is typeset with
reportlab's built-in CJK font (STSong-Light, no embedding), wrapped to the page width so that
paragraphs carry hard line breaks, over several pages with a running header and page numbers
(`- 3 -` or `第 3 页 共 9 页`). The DOCX has a title, headings, paragraphs and one table.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])")
NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d{1,2}[.．](?!\d))")
NUM_ID = "90"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
# Word's numbering for 公文 headings: 一、 (chineseCounting, through the Heading 1 style),
# （一） (chineseCountingThousand), 1. (decimal) — the numbers live here, not in the text.
NUMBERING_XML = f"""<w:abstractNum {W_NS} w:abstractNumId="{NUM_ID}">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>
    <w:pStyle w:val="Heading1"/><w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/>
    <w:suff w:val="nothing"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
    <w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>"""
NUM_XML = f'<w:num {W_NS} w:numId="{NUM_ID}"><w:abstractNumId w:val="{NUM_ID}"/></w:num>'
FONT = "STSong-Light"


def register_font() -> None:
    """reportlab's built-in CJK font: not embedded, every PDF viewer and text library knows it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles(indent: bool = True, justify: bool = False) -> tuple[object, object]:
    from reportlab.lib.styles import ParagraphStyle

    register_font()
    body = ParagraphStyle(  # 公文 style: every paragraph's first line indented by two characters
        "body",
        fontName=FONT,
        fontSize=12,
        leading=20,
        wordWrap="CJK",
        spaceAfter=6,
        firstLineIndent=24 if indent else 0,
        alignment=4 if justify else 0,
    )
    head = ParagraphStyle("head", parent=body, fontSize=14, leading=22, spaceBefore=6)
    return body, head


def make_pdf(
    text: str,
    path: Path,
    *,
    footer: str = "dash",
    header: str = "",
    columns: int = 1,
    indent: bool = True,
    justify: bool = False,
) -> Path:
    """Typeset `text` (a paragraph per line) on A4; footer "dash" (- 3 -) or "of" (第 3 页 共 9 页)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    body, head = _styles(indent, justify)
    pages = [0]

    def decorate(canvas: object, doc: object) -> None:
        n = canvas.getPageNumber()  # type: ignore[attr-defined]
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont(FONT, 9)  # type: ignore[attr-defined]
        if header:
            canvas.drawCentredString(A4[0] / 2, A4[1] - 15 * mm, header)  # type: ignore[attr-defined]
        label = f"- {n} -" if footer == "dash" else f"第 {n} 页 共 {pages[0]} 页"
        canvas.drawCentredString(A4[0] / 2, 12 * mm, label)  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    def story() -> list[object]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [Paragraph(escape(line), head if HEADING.match(line) else body) for line in lines]

    for _ in range(2 if footer == "of" else 1):  # the second pass knows the page count
        doc = BaseDocTemplate(str(path), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm)
        gap = 8 * mm
        column = (doc.width - gap * (columns - 1)) / columns
        frames = [
            Frame(doc.leftMargin + i * (column + gap), doc.bottomMargin, column, doc.height)
            for i in range(columns)
        ]
        doc.addPageTemplates([PageTemplate(frames=frames, onPage=decorate)])
        doc.build(story())
        pages[0] = doc.page
    return path


def make_scanned_pdf(path: Path, pages: int = 2, *, first: int = 1) -> Path:
    """A PDF whose pages are pictures only, as a scanner makes them: a grey image per page (with a
    typed page number `- N -`, as some sites stamp on scans, counting from `first`)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    register_font()
    scan = ImageReader(Image.new("L", (60, 80), 150))
    canvas = Canvas(str(path), pagesize=A4)
    for n in range(first, first + pages):
        canvas.drawImage(scan, 60, 80, A4[0] - 120, A4[1] - 160)
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 40, f"- {n} -")
        canvas.showPage()
    canvas.save()
    return path


def make_partly_scanned_pdf(text: str, path: Path, scanned: tuple[int, ...]) -> Path:
    """`text` typeset by make_pdf, with the pages numbered in `scanned` (1-based) replaced by
    scanned pictures of them: their words are on the page for a reader, not in the text layer."""
    import pypdfium2 as pdfium

    typeset = make_pdf(text, path.with_suffix(".typeset.pdf"))
    pdf = pdfium.PdfDocument(str(typeset))
    for n in scanned:
        scan = pdfium.PdfDocument(str(make_scanned_pdf(path.with_suffix(f".scan{n}.pdf"), 1, first=n)))
        pdf.del_page(n - 1)
        pdf.import_pages(scan, index=n - 1)
    pdf.save(str(path))
    return path


def _table_span(lines: list[str], rows: int) -> range:
    """The lines after the first heading that go in the table: consecutive paragraphs with a comma."""
    first = next((i for i, line in enumerate(lines) if HEADING.match(line)), len(lines))
    end = first + 1
    while end < len(lines) and end - first - 1 < rows:
        if HEADING.match(lines[end]) or not re.search(r"[，,]", lines[end]):
            break
        end += 1
    return range(first + 1, end)


def _add_numbering(document: object) -> None:
    """Word's list definitions for the headings, and Heading 1 numbered through its style."""
    from docx.oxml import parse_xml

    numbering = document.part.numbering_part.element  # type: ignore[attr-defined]
    numbering.insert(0, parse_xml(NUMBERING_XML))
    numbering.append(parse_xml(NUM_XML))
    style = document.styles["Heading 1"].element  # type: ignore[attr-defined]
    style.get_or_add_pPr().append(parse_xml(f'<w:numPr {W_NS}><w:numId w:val="{NUM_ID}"/></w:numPr>'))


def _number(paragraph: object, level: int) -> None:
    from docx.oxml import parse_xml

    num_pr = f'<w:numPr {W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="{NUM_ID}"/></w:numPr>'
    paragraph._p.get_or_add_pPr().append(parse_xml(num_pr))  # type: ignore[attr-defined]


def _numbered_line(document: object, line: str) -> None:
    """A heading or `1.` paragraph whose typed number is replaced by Word's automatic numbering."""
    typed = NUMBERED.match(line)
    assert typed is not None
    rest = line[typed.end() :]
    if typed.group()[0] in "(（":
        _number(document.add_heading(rest, level=2), 1)  # type: ignore[attr-defined]
    elif typed.group()[0].isdigit():
        _number(document.add_paragraph(rest), 2)  # type: ignore[attr-defined]
    else:
        document.add_heading(rest, level=1)  # type: ignore[attr-defined]  # numbered by its style


def make_docx(text: str, path: Path, *, table_rows: int = 3, numbering: bool = False) -> Path:
    """One Word paragraph per line, numbered headings as Heading 1/2, and the paragraphs right
    after the first heading (up to `table_rows`) as a two-column table split at their first comma.

    numbering: headings (一、, （一）) and `1.` paragraphs lose their typed numbers and get Word's
    automatic numbering instead, as reports written in Word often have."""
    import docx

    document = docx.Document()
    if numbering:
        _add_numbering(document)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    span = _table_span(lines, table_rows)
    for i, line in enumerate(lines):
        if i in span:
            if i == span.start:
                table = document.add_table(rows=0, cols=2)
            comma = re.search(r"[，,]", line)
            assert comma is not None
            cells = table.add_row().cells
            cells[0].text, cells[1].text = line[: comma.end()], line[comma.end() :]
        elif numbering and NUMBERED.match(line):
            _numbered_line(document, line)
        elif HEADING.match(line):
            document.add_heading(line, level=2 if line[0] in "(（" else 1)
        else:
            document.add_paragraph(line)
    document.save(str(path))
    return path
