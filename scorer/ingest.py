"""Bytes → text: decode whatever a crawler brought back (UTF-8, GB18030/GBK, Big5, UTF-16, HTML, PDF…)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from scorer.errors import InputError
from scorer.formats import read_format
from scorer.webpage import html_to_text as html_to_text  # re-exported: the whole-page renderer
from scorer.webpage import page_text

MAX_BYTES = 50 * 1024 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CANDIDATES = ["gb18030", "big5", "big5hkscs", "utf_8"]
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|div|p|meta|table)\b", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RawDocument:
    """A report as decoded text; `text` is what offsets in the original refer to."""

    source: str
    text: str
    encoding: str
    html: bool
    format: str = "txt"  # txt, html, pdf or docx: what the text was read from
    unread_pages: tuple[int, ...] = ()  # PDF pages without a text layer (scanned): not in `text`


def read_report(path: str | Path) -> RawDocument:
    """Read and decode a report file, raising InputError with a one-line reason."""
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        reason = "broken symbolic link" if p.is_symlink() else "no such file"
        raise InputError(f"{p}: {reason}") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a report file")
    if info.st_size > MAX_BYTES:
        raise InputError(
            f"{p}: {info.st_size} bytes is larger than the {MAX_BYTES // (1024 * 1024)} MB limit"
        )
    try:
        data = p.read_bytes()
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return decode_report(data, source=str(p))


def decode_report(data: bytes, *, source: str = "<bytes>") -> RawDocument:
    """Decode bytes to text with LF line ends; HTML becomes its main content, one block per line."""
    if not data.strip():
        raise InputError(f"{source}: empty file")
    special = read_format(data, source)
    if special is not None:
        fmt = special.format
        text = _CONTROL.sub("", special.text)
        if not text.strip():
            raise InputError(f"{source}: no text in file")
        return RawDocument(
            source=source, text=text, encoding=fmt, html=False, format=fmt, unread_pages=special.unread_pages
        )
    text, encoding = _decode(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    is_html = source.lower().endswith((".html", ".htm", ".xhtml")) or bool(_HTML_SNIFF.search(data[:2048]))
    if is_html:
        text = page_text(text).text
    if _CONTROL.search(text) and len(_CONTROL.findall(text)) > max(8, len(text) // 100):
        raise InputError(f"{source}: binary file (control characters), not a text report")
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise InputError(f"{source}: no text in file")
    return RawDocument(
        source=source, text=text, encoding=encoding, html=is_html, format="html" if is_html else "txt"
    )


def _decode(data: bytes, source: str) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), codec.replace("-sig", "")
            except UnicodeDecodeError:
                raise InputError(f"{source}: undecodable {codec} text after a byte-order mark") from None
    if b"\x00" in data:
        raise InputError(f"{source}: binary file (NUL bytes), not a text report")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and exc.start > 0:
            # A download cut off in the middle of the last character: keep everything before it.
            return data[: exc.start].decode("utf-8"), "utf-8"
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "ignore").lower()
        name = "gb18030" if name in {"gb2312", "gbk", "gb18030"} else name
        try:
            return data.decode(name), name
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is None:
        raise InputError(f"{source}: cannot decode as UTF-8, GB18030/GBK or Big5 (binary or corrupt file)")
    encoding = best.encoding
    return str(best), "gb18030" if encoding in {"gbk", "gb2312"} else encoding
