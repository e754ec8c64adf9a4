"""Generate a corpus of bad, odd and hostile inputs for `scorer`, deterministically.

Every case is derived from the seed reports in ../reports/ (or is a fixed byte string), so the
same seeds always give the same bytes. Nothing here is committed except this script: tests call
`make_bad_corpus(tmp_dir)`; run it by hand with

    python tests/data/bad/make_bad.py [DIRECTORY]      # default: this script's own folder

File cases carry a report suffix (.txt, or .html for the HTML page) even when their bytes are
not a report — a crawler that saved a PNG as `.txt` is exactly what `scorer batch` must survive.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPORTS = HERE.parent / "reports"

SEED_SIMPLIFIED = "002_544a7fdbaf4d16e8"  # simplified script, clean, with 一、/(一) headings
SEED_TRADITIONAL = "001_b1447d7b30bc702a"  # traditional script with pinyin glosses
SEED_UTF16 = "003_8d0d213d0836cbcc"
SEED_GBK = "000_bbf3d8a01ec62c26"  # simplified, a page as crawled (breadcrumb, 发布时间 …)

FIVE_MB = 5 * 1024 * 1024
LONG_LINE_CHARS = 50_000


def _seed(name: str) -> str:
    return (REPORTS / f"{name}.txt").read_text("utf-8")


def _seeds() -> list[str]:
    return [p.read_text("utf-8") for p in sorted(REPORTS.glob("*.txt"))]


def _png() -> bytes:
    """A real 1×1 grey PNG: signature, IHDR, IDAT, IEND with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    idat = zlib.compress(b"\x00\x80", 9)  # filter byte 0, one grey pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _nul_bytes() -> bytes:
    """UTF-8 report text with a NUL after every paragraph, as a botched C-string dump leaves it."""
    lines = _seed(SEED_SIMPLIFIED).split("\n")
    return "\x00\n".join(lines).encode("utf-8")


def _utf8_truncated() -> bytes:
    """The seed's UTF-8 bytes cut after the first byte of a 3-byte character (a broken download)."""
    data = _seed(SEED_SIMPLIFIED).encode("utf-8")
    cut = len(data) * 2 // 3
    while data[cut] & 0xC0 == 0x80 or data[cut] < 0x80:  # move to the lead byte of a multi-byte char
        cut += 1
    assert data[cut] >= 0xE0, "expected a 3-byte lead byte"
    return data[: cut + 1]


def _big5() -> bytes:
    import opencc

    text = opencc.OpenCC("s2tw").convert(_seed(SEED_TRADITIONAL))
    return text.encode("big5", errors="replace")


_HEADING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]"
    r"|\d+[、.．](?!\d)|[(（]\d+[)）])\s*"
)


def _no_headings() -> str:
    """The seed with every 一、/(一)/1. heading gone and its lines joined into three paragraphs.

    Heading markers are stripped; a line that was only a heading (short, no full stop) is dropped.
    """
    kept: list[str] = []
    for line in _seed(SEED_SIMPLIFIED).split("\n"):
        stripped = _HEADING.sub("", line).strip()
        if not stripped or (line != stripped and len(stripped) <= 40 and "。" not in stripped):
            continue
        kept.append(stripped)
    size = -(-len(kept) // 3)
    paragraphs = ["".join(kept[i : i + size]) for i in range(0, len(kept), size)]
    return "\n\n".join(paragraphs) + "\n"


def _sentences() -> list[str]:
    """Whole sentences (ending in 。) of the simplified seeds, in file order."""
    out: list[str] = []
    for name in (SEED_SIMPLIFIED, SEED_GBK):
        for line in _seed(name).split("\n"):
            out += [s + "。" for s in line.split("。")[:-1] if len(s) >= 10]
    return out


def _one_long_line() -> str:
    """Exactly 50,000 characters of report sentences on one line, no newline at all."""
    sentences = _sentences()
    parts: list[str] = []
    total = 0
    i = 0
    while total < LONG_LINE_CHARS:
        parts.append(sentences[i % len(sentences)])
        total += len(parts[-1])
        i += 1
    return "".join(parts)[: LONG_LINE_CHARS - 1] + "。"


def _five_mb() -> bytes:
    """All seeds, in order, repeated until the file is at least 5 MiB of UTF-8."""
    block = "\n\n".join(s.strip("\n") for s in _seeds()).encode("utf-8") + b"\n\n"
    return block * (-(-FIVE_MB // len(block)))


HTML_CHROME_ONLY = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>法治政府建设年度报告 - 某某市人民政府门户网站</title>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.nav { float: left; }</style></head>
<body>
<div class="top"><a href="/">网站首页</a></div>
<div class="nav">首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 规划计划</div>
<div class="info"><span>发布时间：2021-03-11</span></div>
<div class="info"><span>来源：某某市司法局</span></div>
<div class="content"></div>
<div class="tools"><span>【打印本页】</span><span>【关闭窗口】</span></div>
<div class="qr"><p>扫一扫在手机打开当前页</p></div>
<div class="footer">
<p>版权所有：某某市人民政府办公室</p>
<p>湘ICP备05012345号</p>
<p>主办单位：某某市人民政府办公室</p>
<p>网站标识码：4301810001</p>
</div>
</body></html>
"""

ONLY_BOILERPLATE = """首页 > 政务公开
首页 > 政务公开 > 法治政府建设 > 年度报告
当前位置：首页 > 政务公开 > 规划计划
发布时间：2021-03-11 来源：某某市司法局
发布日期：2021-03-11 浏览次数：1024
字体大小：大 中 小
【打印本页】【关闭窗口】
【打印本页】
【关闭窗口】
扫一扫在手机打开当前页
版权所有：某某市人民政府办公室 湘ICP备05012345号
主办单位：某某市人民政府办公室
网站标识码：4301810001
"""

# The cases, in a fixed order: name → file name (None: not a regular file, built below).
FILES = {
    "empty": "empty.txt",
    "whitespace": "whitespace.txt",
    "png": "png.txt",
    "nul_bytes": "nul_bytes.txt",
    "utf8_truncated": "utf8_truncated.txt",
    "gbk_undeclared": "gbk_undeclared.txt",
    "big5_undeclared": "big5_undeclared.txt",
    "utf16_bom": "utf16_bom.txt",
    "html_chrome_only": "html_chrome_only.html",
    "no_headings": "no_headings.txt",
    "one_long_line": "one_long_line.txt",
    "five_mb": "five_mb.txt",
    "only_boilerplate": "only_boilerplate.txt",
    "unreadable": "unreadable.txt",
}
OTHER = ("a_directory", "missing", "symlink_loop")
CASES = (*FILES, *OTHER)


def _contents(name: str) -> bytes:
    if name == "empty":
        return b""
    if name == "whitespace":
        return " \t\n\r\n\u3000\u3000\u00a0\n\f\v\n   \n".encode()
    if name == "png":
        return _png()
    if name == "nul_bytes":
        return _nul_bytes()
    if name == "utf8_truncated":
        return _utf8_truncated()
    if name == "gbk_undeclared":  # the two characters GBK lacks are mapped as a GBK site would
        return _seed(SEED_GBK).replace("\u00a0", " ").replace("•", "·").encode("gbk")
    if name == "big5_undeclared":
        return _big5()
    if name == "utf16_bom":
        return _seed(SEED_UTF16).encode("utf-16")  # Python writes the BOM
    if name == "html_chrome_only":
        return HTML_CHROME_ONLY.encode("utf-8")
    if name == "no_headings":
        return _no_headings().encode("utf-8")
    if name == "one_long_line":
        return _one_long_line().encode("utf-8")
    if name == "five_mb":
        return _five_mb()
    if name == "only_boilerplate":
        return ONLY_BOILERPLATE.encode("utf-8")
    if name == "unreadable":  # a real report: only the permissions are wrong
        return _seed(SEED_SIMPLIFIED).encode("utf-8")
    raise KeyError(name)


def make_bad_corpus(directory: Path, *, cases: tuple[str, ...] = CASES) -> dict[str, Path]:
    """Write the bad-input cases into `directory` (created if needed); return name → path.

    `missing` is returned but never created. `unreadable` is chmod 000 — which does not stop
    root from reading it, so `symlink_loop` (a symlink to itself: ELOOP for everyone) is the
    case that cannot be opened whoever runs the tests. Re-running overwrites the cases.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name in cases:
        if name in FILES:
            path = directory / FILES[name]
            if path.exists():
                path.chmod(0o644)
            path.write_bytes(_contents(name))
            if name == "unreadable":
                path.chmod(0o000)
        elif name == "a_directory":
            path = directory / "a_directory"
            path.mkdir(exist_ok=True)
        elif name == "missing":
            path = directory / "missing.txt"
            if path.exists():
                path.unlink()
        elif name == "symlink_loop":
            path = directory / "symlink_loop.txt"
            if path.is_symlink() or path.exists():
                path.unlink()
            os.symlink(path.name, path)  # relative: points at itself
        else:
            raise KeyError(f"unknown case {name!r}")
        paths[name] = path
    return paths


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else HERE
    for name, path in make_bad_corpus(directory).items():
        size = path.lstat().st_size if os.path.lexists(path) and not path.is_dir() else "-"
        print(f"{name}\t{path}\t{size}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
