"""Reports published as PDF or Word: their text, and one clear line for formats that need converting.

Government sites publish most annual reports as web pages *and* PDF/Word attachments. The
format is told by the file's first bytes, then by its suffix (a `.txt` that is really a PDF is
read as a PDF): `%PDF-` (read with pypdfium2, see benchmarks/pdf_libraries.py for why), zip
`PK` (a .docx read with python-docx, or an OFD), OLE2 `D0 CF 11 E0` (.doc/.wps) and `{\\rtf`.
Formats we cannot read raise InputError naming the conversion, never a score.
"""

from __future__ import annotations

import io
import shlex
import threading
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from scorer.errors import InputError
from scorer.numbering import Numbering
from scorer.reflow import LEAD, Line, reflow

Format = Literal["pdf", "docx"]


@dataclass(frozen=True)
class FormatText:
    """A PDF's or Word report's text, and the PDF pages that have no text layer (1-based)."""

    format: Format
    text: str
    unread_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class PdfPage:
    """One page's lines, and whether something is drawn there that could be text (an image
    covering a good part of the page, or any drawing on a page without a single character)."""

    lines: list[Line]
    pictured: bool

    @property
    def chars(self) -> int:
        return sum(1 for line in self.lines for ch in line.text if ch.isalnum())


PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
RTF_MAGIC = b"{\\rtf"
LEGACY_SUFFIXES = frozenset({".doc", ".wps", ".ofd", ".rtf"})
READABLE_SUFFIXES = frozenset({".pdf", ".docx"})
MIN_CHARS_PER_PAGE = 20  # fewer extractable characters than this per page: a scan, not a text PDF
SCAN_AREA = 0.25  # an image over this share of the page, on a page without text: a scanned page
GARBLED_SHARE = 0.2  # more private-use or replacement characters than this: fonts without a Unicode map
_PDFIUM = threading.Lock()


def _to_docx(source: str) -> str:
    return f"soffice --headless --convert-to docx {shlex.quote(source)}"


def sniff(data: bytes, source: str) -> Format | None:
    """ "pdf" or "docx" for the formats read here, None for text; InputError for those needing conversion."""
    suffix = PurePath(source).suffix.lower()
    head = data[:1024]
    if PDF_MAGIC in head:
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        kind = "WPS 文字文件（.wps）" if suffix == ".wps" else "Word 97-2003 文件（.doc）"
        raise InputError(f"{source}: {kind}无法直接读取：请先转换为 .docx，例如 {_to_docx(source)}")
    if data.startswith(RTF_MAGIC):
        raise InputError(f"{source}: RTF 文件无法直接读取：请先转换为 .docx，例如 {_to_docx(source)}")
    if data.startswith(ZIP_MAGIC) or suffix in {".docx", ".ofd"}:
        return _zip_kind(data, source, suffix)
    if suffix in {".doc", ".wps", ".rtf"} and b"<html" not in data[:4096].lower():
        # Not OLE2 yet named .doc: only a web page saved as "Word", as some sites do, is read as text.
        raise InputError(f"{source}: 无法识别的 Word 文件：请先转换为 .docx，例如 {_to_docx(source)}")
    return None


def _zip_kind(data: bytes, source: str, suffix: str) -> Format:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        names = None
    if names is not None and ("OFD.xml" in names or suffix == ".ofd"):
        raise InputError(
            f"{source}: OFD 版式文件无法直接读取：请先用 OFD 阅读器（如数科 OFD 阅读器）另存为 PDF，"
            "或下载网站提供的 PDF/Word 版本"
        )
    if names is not None and "word/document.xml" in names:
        return "docx"
    if names is None and suffix == ".ofd":
        raise InputError(f"{source}: OFD 文件已损坏（不是有效的 zip 包）：请重新下载，或另存为 PDF")
    if names is None:
        raise InputError(
            f"{source}: .docx 文件已损坏（不是有效的 zip 包）：请用 Word/WPS 打开后另存为 .docx，"
            f"或 {_to_docx(source)}"
        )
    raise InputError(f"{source}: zip 压缩包，不是 .docx 报告：请先解压，再评分其中的报告文件")


def read_format(data: bytes, source: str) -> FormatText | None:
    """The text of a PDF or Word report, None when the bytes are to be decoded as text."""
    kind = sniff(data, source)
    if kind == "pdf":
        text, unread = pdf_text(data, source)
        return FormatText(kind, text, unread)
    if kind == "docx":
        return FormatText(kind, docx_text(data, source))
    return None


def _page_lines(textpage: object) -> list[Line]:
    """The page's lines with their edges, font size and first word's width (pdfium's loose char boxes)."""
    count = textpage.count_chars()  # type: ignore[attr-defined]
    text = textpage.get_text_range()  # type: ignore[attr-defined]
    if len(text) != count:  # characters outside the BMP: one call per character keeps indices aligned
        text = "".join(textpage.get_text_range(i, 1) or "\ufffd" for i in range(count))  # type: ignore[attr-defined]
    lines: list[Line] = []
    start = 0
    for end in [*(i for i, ch in enumerate(text) if ch == "\n"), len(text)]:
        indices = [i for i in range(start, min(end, count)) if text[i] not in "\r\n"]
        start = end + 1
        line = "".join(text[i] for i in indices)
        if not line.strip():
            continue
        boxes = [textpage.get_charbox(i, loose=True) for i in indices]  # type: ignore[attr-defined]
        first = len(line) - len(line.lstrip())
        lead = LEAD.match(line, first)
        lead_end = indices[first + len(lead.group()) - 1] if lead else indices[first]
        lead_box = textpage.get_charbox(lead_end, loose=True)  # type: ignore[attr-defined]
        lines.append(
            Line(
                text=line,
                left=boxes[first][0],
                right=max(box[2] for box in boxes),
                size=max(box[3] - box[1] for box in boxes),
                lead=lead_box[2] - boxes[first][0],
            )
        )
    return lines


def _pictured(page: object, has_text: bool) -> bool:
    """Whether a page shows what could be text as a picture: a large image (a seal or a logo is
    small), or, on a page without a single character, anything drawn at all (a blank page is not)."""
    import pypdfium2.raw as pdfium_c

    width, height = page.get_size()  # type: ignore[attr-defined]
    for obj in page.get_objects(max_depth=3):  # type: ignore[attr-defined]
        if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        if not has_text:
            return True
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            if (right - left) * (top - bottom) >= SCAN_AREA * width * height:
                return True
    return False


def _pdf_pages(data: bytes, source: str) -> list[PdfPage]:
    """Every page's lines. PDFium is not thread-safe, so one document at a time (batch uses threads)."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise InputError(f"{source}: PDF 已加密（需要密码）：请先解除密码保护再评分") from None
            raise InputError(f"{source}: PDF 文件已损坏，无法读取（{exc}）") from None
        try:
            pages: list[PdfPage] = []
            for page in pdf:
                textpage = page.get_textpage()
                lines = _page_lines(textpage)
                pages.append(PdfPage(lines, _pictured(page, any(line.text.strip() for line in lines))))
                textpage.close()
                page.close()
            return pages
        finally:
            pdf.close()


def pdf_text(data: bytes, source: str) -> tuple[str, tuple[int, ...]]:
    """The text layer of a PDF as paragraphs, and the pages without one (1-based): a PDF partly
    scanned is read, but its scanned pages are named, never silently left out. InputError for an
    encrypted, broken or wholly scanned PDF."""
    pages = _pdf_pages(data, source)
    text = reflow([page.lines for page in pages])
    visible = sum(1 for ch in text if not ch.isspace())
    garbled = sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    if visible and garbled > GARBLED_SHARE * visible:
        raise InputError(
            f"{source}: PDF 的文字层无法解码（{garbled} 个字是私用区或乱码，字体缺少 Unicode 映射）："
            f"请先 OCR，例如 ocrmypdf --force-ocr -l chi_sim {shlex.quote(source)} 输出.pdf"
        )
    chars = sum(1 for ch in text if ch.isalnum())
    if chars < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise InputError(
            f"{source}: 扫描件没有文字层（共 {len(pages)} 页，只有 {chars} 个可提取的字）：请先 OCR，"
            f"例如 ocrmypdf -l chi_sim {shlex.quote(source)} 输出.pdf"
        )
    unread = (n for n, page in enumerate(pages, 1) if page.chars < MIN_CHARS_PER_PAGE and page.pictured)
    return text, tuple(unread)


def _join(parts: list[str]) -> str:
    """Pieces of one table row on one line: a comma between them unless one already ends the piece."""
    out = ""
    for part in filter(None, (p.strip() for p in parts)):
        out += ("" if not out or out[-1] in "，,。；;：:、" else "，") + part
    return out


def _block_lines(container: object, numbering: Numbering) -> list[str]:
    """Paragraphs and table rows of a document or table cell, in order, one line each.

    A paragraph gets the label Word's automatic numbering draws before it (一、, （一）, 1.).
    A row of several cells is one line (cells joined by a comma, a merged cell once), so a
    figure keeps its subject; a row of one cell is a layout box, whose paragraphs stay lines.
    """
    from docx.table import Table

    lines: list[str] = []
    for block in container.iter_inner_content():  # type: ignore[attr-defined]
        if not isinstance(block, Table):
            label = numbering.label(block._p)  # type: ignore[attr-defined]  # counts even when empty, as Word does
            lines.append(label + block.text if block.text.strip() else block.text)
            continue
        for row in block.rows:
            cells: list[object] = []
            for cell in row.cells:  # a merged cell repeats in every column it spans
                if not any(cell._tc is seen._tc for seen in cells):  # type: ignore[attr-defined]
                    cells.append(cell)
            if len(cells) == 1:
                lines.extend(_block_lines(cells[0], numbering))
            else:
                lines.append(_join([_join(_block_lines(cell, numbering)) for cell in cells]))
    return lines


def docx_text(data: bytes, source: str) -> str:
    """A Word report's paragraphs and table rows, one per line, in document order."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on a broken package
        raise InputError(
            f"{source}: .docx 文件已损坏，无法读取（{type(exc).__name__}）："
            f"请用 Word/WPS 打开后另存为 .docx，或 {_to_docx(source)}"
        ) from None
    lines = _block_lines(document, Numbering.of(document))
    return "\n".join(line.strip() for line in lines if line.strip()) + "\n"
