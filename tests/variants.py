"""Re-encodings of a report that a crawler could bring back: GB18030, Big5 traditional, HTML, CRLF."""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import cache


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2tw")


def as_gb18030(text: str) -> tuple[bytes, str]:
    return text.encode("gb18030"), ".txt"


def as_big5_traditional(text: str) -> tuple[bytes, str]:
    """Traditional script in Big5; characters Big5 lacks become '?', as a real converter would do."""
    return _s2t().convert(text).encode("big5", errors="replace"), ".txt"


def as_html(text: str) -> tuple[bytes, str]:
    """The report as paragraphs of a government web page with its navigation, scripts and footer."""
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.split("\n") if line.strip())
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>法治政府建设 - 门户网站</title>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>p {{ text-indent: 2em; }}</style></head>
<body><div class="nav">首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="tools"><span>【打印本页】</span><span>【关闭窗口】</span></div>
<div class="content">
{body}
</div>
<div class="footer"><p>版权所有：某某市人民政府办公室 湘ICP备05012345号</p><p>扫一扫在手机打开当前页</p></div>
</body></html>"""
    return page.encode("utf-8"), ".html"


def as_crlf(text: str) -> tuple[bytes, str]:
    return text.replace("\n", "\r\n").encode("utf-8"), ".txt"


VARIANTS: dict[str, Callable[[str], tuple[bytes, str]]] = {
    "gb18030": as_gb18030,
    "big5": as_big5_traditional,
    "html": as_html,
    "crlf": as_crlf,
}
