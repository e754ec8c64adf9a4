"""Government web pages built around a report: the chrome real sites print around the text.

Top bar (无障碍浏览, 长者模式, 登录/注册), navigation, breadcrumbs, an info line (发布时间, 来源,
字号, 浏览次数), print/close/share tools, a related-links box and a footer with 主办单位, ICP备案号,
网站标识码 and 公网安备 — in three layouts real sites use: modern `<div>`s, an old `<table>` page
with a TRS editor block, and paragraphs separated by `<br>` inside one block.
"""

from __future__ import annotations

import html

# Chrome phrases that must not reach the normalized text or the memo.
CHROME_PHRASES = (
    "无障碍浏览",
    "长者模式",
    "登录",
    "注册",
    "走进雨湖",
    "互动交流",
    "当前位置",
    "浏览次数",
    "字号",
    "打印本页",
    "关闭窗口",
    "分享到",
    "微博",
    "相关链接",
    "2022年法治政府建设年度报告",
    "主办单位",
    "ICP备",
    "网站标识码",
    "公网安备",
    "网站地图",
)

_HEAD = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title}_湘潭市雨湖区人民政府</title>
<meta name="SiteName" content="湘潭市雨湖区人民政府">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{date} 10:20">
<meta name="ContentSource" content="雨湖区司法局">
<link rel="stylesheet" href="/css/main.css">
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.content p {{ text-indent: 2em; }}</style></head>
"""

_TOP = """<div class="topbar"><span>欢迎访问湘潭市雨湖区人民政府网站！</span>
<a href="#">无障碍浏览</a> <a href="#">长者模式</a> <a href="#">繁體</a>
<a href="/login">登录</a> | <a href="/reg">注册</a></div>
<div class="header"><img src="/img/logo.png" alt="湘潭市雨湖区人民政府">
<form action="/search"><input type="text" placeholder="请输入关键词"><button>搜索</button></form></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>
<li><a href="/zwfw">政务服务</a></li>
<li><a href="/hdjl">互动交流</a></li><li><a href="/zjyh">走进雨湖</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt;
<a href="/fzzf">法治政府建设</a> &gt; 正文</div>
"""

_INFO = """<div class="info"><span>发布时间：{date}</span> <span>来源：雨湖区司法局</span>
<span>字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span>
<span>浏览次数：<em id="hits">1024</em></span></div>
"""

_TOOLS = """<div class="tools"><a href="javascript:window.print()">打印本页</a>
<a href="javascript:window.close()">关闭窗口</a>
<span class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></span></div>
"""

_TAIL = """<div class="related"><h3>相关链接</h3><ul>
<li><a href="/a/1.html">雨湖区2022年法治政府建设年度报告</a><span>2023-03-20</span></li>
<li><a href="/a/2.html">湘潭市2023年法治政府建设年度报告</a><span>2024-03-25</span></li>
<li><a href="/a/3.html">关于开展2023年度行政执法案卷评查的通知</a><span>2023-09-12</span></li></ul></div>
<div class="footer"><p>主办单位：湘潭市雨湖区人民政府办公室　承办单位：雨湖区数据资源中心</p>
<p>网站标识码：4303020001
<a href="https://beian.miit.gov.cn">湘ICP备05012345号</a>　<a href="#">湘公网安备 43030202000123号</a></p>
<p><a href="#">联系我们</a> | <a href="#">网站地图</a> | <a href="#">隐私声明</a></p></div>
"""


_CATALOGUE = """<table class="xxgk">
<tr><td>索引号：430302-000123/2024-00017</td>
<td>发布机构：湘潭市雨湖区人民政府</td></tr>
<tr><td>文号：雨政发〔2024〕3号</td><td>成文日期：2024-01-15</td></tr></table>
"""


def _paragraphs(lines: list[str], layout: str) -> str:
    if layout == "br":
        return '<div class="content" id="zoom">' + "<br>\n".join(html.escape(x) for x in lines) + "</div>"
    body = "\n".join(f"<p>{html.escape(x)}</p>" for x in lines)
    if layout == "table":
        return f'<div class="TRS_Editor">{body}</div>'
    return f'<div class="content" id="zoom">\n{body}\n</div>'


def gov_page(
    report: str,
    *,
    date: str | None = "2024-03-01",
    layout: str = "div",
    title: str | None = None,
    catalogue: bool = False,
) -> bytes:
    """The report as a page of a district government's site, UTF-8.

    The report's first line is the page's heading unless `title` is given ("" for a page whose
    heading is part of the text); `date=None` leaves out the info line and the PubDate meta tag;
    `catalogue` adds a disclosure catalogue (索引号, 发布机构, 文号, 成文日期) above the article.
    """
    lines = [x for x in report.split("\n") if x.strip()]
    title, body = (title, lines) if title is not None else (lines[0], lines[1:])
    head = _HEAD.format(title=html.escape(title or "法治政府建设"), date=date or "")
    if date is None:
        head = head.replace('<meta name="PubDate" content=" 10:20">\n', "")
    heading = f"<h1>{html.escape(title)}</h1>\n" if title else ""
    info = _INFO.format(date=date) if date else ""
    article = f"{_CATALOGUE if catalogue else ''}{heading}{info}{_paragraphs(body, layout)}\n{_TOOLS}"
    if layout == "table":
        page = (
            f'{head}<body>{_TOP}<table width="1000"><tr><td class="left">'
            f'<table><tr><td><a href="#">政府信息公开</a></td></tr>'
            f'<tr><td><a href="#">法治政府建设</a></td></tr>'
            f'</table></td><td class="main">{article}</td></tr></table>{_TAIL}</body></html>'
        )
    else:
        page = f'{head}<body>{_TOP}<div class="article">\n{article}</div>\n{_TAIL}</body></html>'
    return page.encode("utf-8")


def fragment(report: str) -> bytes:
    """The report as a bare HTML fragment, as some crawlers save it: paragraphs only."""
    return "\n".join(f"<p>{html.escape(x)}</p>" for x in report.split("\n") if x.strip()).encode("utf-8")
