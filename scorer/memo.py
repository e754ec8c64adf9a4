"""The Markdown assessment memo, in Chinese, that a legal-affairs office can paste into a memo.

Everything quoted from a report is escaped, so report text cannot inject Markdown or HTML.
"""

from __future__ import annotations

import re

from scorer.card import DimensionResult, ItemResult, ScoreCard
from scorer.roles import ROLE_NAMES

SCRIPT = {"simplified": "简体", "traditional": "繁体"}
CRITERION = {"presence": "有无", "breadth": "覆盖面", "quantification": "量化", "depth": "深度"}
STATUS = {"pass": "✅ 符合", "fail": "❌ 不符合", "unknown": "❔ 无法判断"}
FIGURE = {"verified": "✅ 已核实", "mismatch": "⚠️ 与原文不符", "unsupported": "❌ 原文无此数字"}
QUOTE = {"exact": "原文逐字", "fuzzy": "近似匹配", "not_found": "原文未找到"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
_ORDERED = re.compile(r"^(\d+)([.)])")
_BLOCK = re.compile(r"^([#+-])")


def md_escape(text: str | None) -> str:
    """Escape report text for Markdown: HTML entities, inline markup, list/heading markers, no line breaks."""
    if not text:
        return ""
    text = re.sub(r"\s*\n\s*", " ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BLOCK.sub(r"\\\1", text)


def _backend(card: ScoreCard) -> str:
    if card.backend == "rules":
        return "规则抽取（离线，未使用大模型；措施按评分细则关键词归类）"
    endpoint = card.provenance.get("endpoint") or ""
    return f"大模型抽取：{md_escape(card.model)}（{md_escape(endpoint)}）"


def _dimension_table(card: ScoreCard) -> list[str]:
    lines = ["| 维度 | 得分 | 措施（计分/提出） | 核实数字 | 说明 |", "| --- | --- | --- | --- | --- |"]
    for d in card.dimensions:
        reason = md_escape(d.reasons[0].reason) if d.reasons else ""
        lines.append(
            f"| {md_escape(d.name)} | {d.score:g}/{d.max:g} | {d.credited}/{len(d.measures)} | "
            f"{d.verified_figures} | {reason} |"
        )
    return lines


def _not_counted(d: DimensionResult) -> list[str]:
    """Measures proposed under this dimension that were plans, problems, headings … not work done."""
    by_role: dict[str, list[str]] = {}
    for m in d.measures:
        if m.outcome == "not_done" and m.role:
            by_role.setdefault(m.role, []).append(m.quote.printed or "")
    lines = []
    for role, quotes in sorted(by_role.items()):
        lines.append(f"- 不计分（{ROLE_NAMES.get(role, role)}）{len(quotes)} 条，如：{md_escape(quotes[0])}")
    return lines


def _summary(d: DimensionResult, backend: str) -> list[str]:
    if d.summary:
        lines = [f"> {md_escape(s.text)}【{','.join(map(str, s.sentences))}】" for s in d.summary]
        return ["模型概括（句末为所依据的原文句子编号）：", "", *lines, ""]
    if backend == "rules" and d.credited:
        return ["规则抽取没有模型概括；下面列出本维度最有力的原文句子。", ""]
    return []


def _dimension_detail(d: DimensionResult, card: ScoreCard, top: int = 3) -> list[str]:
    lines = [f"### {md_escape(d.name)}（{d.score:g}/{d.max:g}）", "", *_summary(d, card.backend)]
    several = (card.provenance.get("chunks") or 1) > 1
    for p in d.reasons:
        lines.append(
            f"- {CRITERION.get(p.criterion, p.criterion)}：{p.points:g}/{p.max:g}，{md_escape(p.reason)}"
        )
    strongest = sorted(
        (m for m in d.measures if m.credit > 0),
        key=lambda m: (-m.credit, -sum(f.earns for f in m.figures), -len(m.items), m.chunk),
    )[:top]
    if strongest:
        lines += ["", "最有力的措施："]
    for m in strongest:
        role = ROLE_NAMES.get(m.role or "", "")
        where = f"，第 {m.chunk + 1} 段" if several else ""  # chunk numbers only where there are chunks
        lines.append(f"- **{md_escape(m.summary)}**（{role}；{QUOTE[m.quote.status]}{where}）")
        lines.append(f"  > {md_escape(m.quote.printed)}")
        for f in m.figures:
            what = f" {md_escape(f.what)}" if f.what else ""
            lines.append(f"  - {md_escape(f.surface)}{what}：{FIGURE[f.status]}")
    if not strongest:
        lines += ["", "没有计分的措施。"]
    if not_counted := _not_counted(d):
        lines += ["", *not_counted]
    return [*lines, ""]


def _items(title: str, items: list[ItemResult], with_causes: bool = False) -> list[str]:
    lines = [f"## {title}", ""]
    shown = [i for i in items if i.quote.status != "not_found"]
    if not shown:
        return [*lines, "报告未写（或引文未在原文中找到）。", ""]
    for i in shown[:8]:
        lines.append(f"- {md_escape(i.text)}：{md_escape(i.quote.printed)}")
        if with_causes:
            if i.causes_quote and i.causes_quote.status != "not_found":
                lines.append(f"  - 原因：{md_escape(i.causes_quote.printed)}")
            else:
                lines.append("  - 原因：报告未分析")
    if len(shown) > 8:
        lines.append(f"- ……另有 {len(shown) - 8} 项")
    return [*lines, ""]


def _verdict_lines(card: ScoreCard) -> list[str]:
    """What the document is: a refusal to grade anything but an annual report, or a forced grade."""
    reasons = "；".join(md_escape(e) for e in card.kind.evidence[:4]) or "无明确依据"
    if not card.graded:
        return [
            f"不予评级：本文件不是法治政府建设年度报告（识别为：{card.kind.label}），依据：{reasons}。",
            "",
        ]
    if card.kind.forced:
        return [
            f"> 按 `--kind annual_report` 强制评级：本文件被识别为{card.kind.label}，依据：{reasons}。",
            "",
        ]
    return []


def _grade_note(card: ScoreCard) -> list[str]:
    lines = []
    if card.cap:
        lines += ["", f"> 评级封顶：{md_escape(card.cap)}。"]
    timely = next((r for r in card.required if r.id == "published_on_time"), None)
    if timely and timely.status == "unknown":
        lines += ["", f"> 公开时效无法判断：{md_escape(timely.reason)}（{timely.max:g} 分）。"]
    return lines


def _total_lines(card: ScoreCard) -> list[str]:
    """The total and grade; a provisional grade (some chunks failed) says so and names the parts."""
    if not card.graded:
        return [f"## 分析得分：{card.total:g} / {card.max_total:g}（不予评级，仅供参考）"]
    grade = card.grade or "未评等级"
    if not card.provisional:
        return [f"## 总分：{card.total:g} / {card.max_total:g}（{grade}）", *_grade_note(card)]
    failed = card.provenance.get("failed_chunks", [])
    parts = "、".join(f"第 {f['chunk'] + 1} 段（{md_escape(f['title'])}）" for f in failed) or "部分内容"
    return [
        f"## 总分：{card.total:g} / {card.max_total:g}（暂定：{grade}）",
        "",
        f"> **暂定**：{parts}抽取失败，未计分；总分和等级只反映其余部分，重新运行可补齐。",
        *_grade_note(card),
    ]


def _quote_list(title: str, rows: list[dict], names: dict[str, str]) -> list[str]:
    if not rows:
        return []
    lines = ["", title]
    for u in rows:
        role = f"（{ROLE_NAMES[u['role']]}）" if u.get("role") in ROLE_NAMES else ""
        lines.append(f"- {names.get(u['dimension'], u['dimension'])}{role}：{md_escape(u['quote'])}")
    return lines


def _credibility(card: ScoreCard) -> list[str]:
    """Every figure and quote that is not supported by the source, or did not count, and why."""
    names = {d.id: d.name for d in card.dimensions}
    cov = card.coverage
    lines = [
        "## 数据可信度",
        "",
        f"正则基线在原文中找到 {cov['baseline_figures']} 个数字，"
        f"抽取结果核实使用了其中 {cov['used']} 个（{cov['share']:.0%}）。",
        "",
    ]
    flagged = [f for f in card.figures if f.status != "verified"]
    if flagged:
        lines += ["| 数字 | 所在维度 | 判定 | 说明 |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {md_escape(f.surface)} | {names.get(f.dimension, f.dimension)} | {FIGURE[f.status]} | "
            f"{md_escape(f.note)} |"
            for f in flagged
        ]
    else:
        lines.append("所有报告的数字均已核实。")
    ungrounded = card.flagged["ungrounded_quotes"]
    lines += ["", "所有措施的引文均在原文中找到。"] if not ungrounded else []
    lines += _quote_list(f"以下 {len(ungrounded)} 条引文未在原文中找到，不得分：", ungrounded, names)
    off_topic = card.flagged.get("off_topic_quotes", [])
    lines += _quote_list(
        f"以下 {len(off_topic)} 条引文虽在原文中，但不含所归维度的任何关键词，不得分：", off_topic, names
    )
    not_done = card.flagged.get("not_done", [])
    lines += _quote_list(
        f"以下 {len(not_done)} 条引文在原文中，但不是当年已做的措施或成效（括号内为该句的作用），不得分：",
        not_done,
        names,
    )
    disagree = card.flagged.get("roles_disagree", [])
    lines += _quote_list(
        f"以下 {len(disagree)} 条规则判为已做、但模型判为非已做的措施（两者一致才计分），不得分：",
        disagree,
        names,
    )
    dropped = card.flagged.get("dropped", [])
    if dropped:
        lines += ["", f"以下 {len(dropped)} 条模型答案引用了所在段落以外的句子编号，已删除："]
        lines += [f"- {md_escape(d['summary']) or '（无概括）'}：{md_escape(d['reason'])}" for d in dropped]
    return lines


def render_memo(card: ScoreCard) -> str:
    """The memo as Markdown; the same card always gives the same bytes."""
    md = card.metadata
    who = md.get("issuer") or md.get("region") or "（未识别发布主体）"
    year = f"{md['year']}年度" if md.get("year") else "（年度不详）"
    lines = [
        *_verdict_lines(card),
        f"# 法治政府建设报告评估：{md_escape(who)} {year}",
        "",
        f"- 文件：{md_escape(md.get('title') or card.source)}",
        f"- 类型：{card.kind.label}；原文字体：{SCRIPT.get(md.get('script') or '', md.get('script'))}；"
        f"编码：{md.get('encoding')}",
        f"- 发布日期：{md.get('published') or '未载明'}；文号：{md_escape(md.get('doc_number')) or '无'}",
        f"- 评分细则：{md_escape(card.rubric['name'])}（{card.rubric['id']}）",
        f"- 抽取方式：{_backend(card)}",
        "",
        *_total_lines(card),
        "",
        "只有原文中写明已做的措施和成效才得分（计划、问题、标题、泛泛表述和未做的不计分），"
        "一句话只计入一个维度；数字只有在同一段原文中被正则基线找到才算核实，全报告只计一次。",
        "",
        "## 分维度得分",
        "",
        *_dimension_table(card),
        "",
        "## 各维度要点",
        "",
    ]
    for d in card.dimensions:
        lines += _dimension_detail(d, card)
    lines += [
        "## 必备内容（《法治政府建设与责任落实督察工作规定》）",
        "",
        "| 项目 | 结果 | 得分 | 说明 | 依据 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in card.required:
        evidence = "；".join(md_escape(e) for e in r.evidence[:2]) or "—"
        lines.append(
            f"| {md_escape(r.name)} | {STATUS[r.status]} | {r.points:g}/{r.max:g} | "
            f"{md_escape(r.reason)} | {evidence} |"
        )
    timely = next((r for r in card.required if r.id == "published_on_time"), None)
    lines += [
        "",
        "## 公开时效",
        "",
        f"{STATUS[timely.status]}：{md_escape(timely.reason)}" if timely else "未检查",
        "",
    ]
    lines += _items("存在的不足及原因", card.shortcomings, with_causes=True)
    lines += _items("下一年度主要安排", card.plans)
    lines += _items("党政主要负责人履行第一责任人职责", card.leader_duties)
    lines += _credibility(card)
    lines += ["", "## 说明", ""]
    lines += [f"- {md_escape(n)}" for n in card.notes] or ["- 无"]
    u = card.usage
    if card.agreement is not None:
        lines += ["", f"- 模型与规则一致率：计分句子中 {card.agreement:.0%} 被规则归入同一维度"]
    if card.summary_dropped:
        lines += [f"- 维度概括中有 {card.summary_dropped} 句未注明依据或引用了未计入该维度的句子，已删除"]
    lines += [
        "",
        "## 出处",
        "",
        f"- 评分细则 sha256：{card.rubric['hash'][:16]}",
        f"- 提示词版本：{card.provenance.get('prompt_version') or '—'}；模型：{md_escape(card.model) or '—'}",
        f"- 调用 {u.get('calls', 0)} 次，缓存命中 {u.get('cache_hits', 0)} 次，"
        f"提示 {u.get('prompt_tokens', 0)} tokens（其中服务端缓存 {u.get('cached_prompt_tokens', 0)}），"
        f"生成 {u.get('completion_tokens', 0)} tokens",
        f"- 分块 {card.provenance.get('chunks')} 段，失败 {len(card.provenance.get('failed_chunks', []))} 段",
        "",
    ]
    return "\n".join(lines)
