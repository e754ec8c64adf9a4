"""The contents the 2019 《法治政府建设与责任落实督察工作规定》 requires, timeliness, and grade caps.

A content counts only from sentences whose deterministic role fits it: shortcomings from
problem sentences, causes from cause sentences, plans from plan sentences, leader duties from
sentences about what was done (never a heading, a plan or a negation). Cue words must be in the
quote, and where the rubric gives a context, in the same sentence.
"""

from __future__ import annotations

from datetime import date

from scorer.card import ItemResult, RequiredResult
from scorer.evidence import Evidence, Located, quote_of
from scorer.metadata import Metadata
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.schema import ReportExtraction

FITTING_ROLES = {
    "shortcomings": {"problem", "cause"},
    "causes": {"cause"},
    "plans": {"plan"},
    "leader_duties": {"done", "result", "generic"},
}
Check = tuple[str, str, list[str]]


def counts_for(located: Located | None, check_id: str, outline: Outline, text: str) -> bool:
    """Found, in a sentence of a fitting role, with a cue word (and its context) of the check."""
    if located is None or not located.found or located.grounding.start is None:
        return False
    if not FITTING_ROLES[check_id] & set(located.roles):
        return False
    rule = outline.check(check_id)
    if rule is None or not rule.cues:
        return True
    quoted = text[located.grounding.start : located.grounding.end]
    if not any(c in quoted for c in rule.cues):
        return False
    sentences = "".join(s.text for s in located.sentences)
    return not rule.context or any(w in sentences for w in rule.context)


def _published_on_time(md: Metadata) -> Check:
    if md.published is None or md.year is None:
        return "unknown", "报告未载明发布日期（或报告年度），无法判断是否在次年4月1日前公开；此项不计分", []
    deadline = date(md.year + 1, 4, 1)
    printed = [md.evidence["published"].text] if "published" in md.evidence else []
    if md.published < deadline:
        return "pass", f"{md.published.isoformat()} 发布，早于 {deadline.isoformat()}", printed
    return "fail", f"{md.published.isoformat()} 发布，晚于 {deadline.isoformat()}", printed


def _listed(items: list[ItemResult]) -> list[str]:
    return [i.quote.printed or "" for i in items if i.counts][:3]


def contents_checks(
    credited: list[str],
    shortcomings: list[ItemResult],
    plans: list[ItemResult],
    duties: list[ItemResult],
    outline: Outline,
    md: Metadata,
) -> dict[str, Check]:
    """Each required check's status, reason and the quotes (as printed) that satisfy it."""
    n, need = len(credited), outline.scoring.min_measures
    causes = [s.causes_quote.printed or "" for s in shortcomings if s.causes_counts and s.causes_quote]
    has_problems = any(s.counts for s in shortcomings)
    return {
        "measures": (
            "pass" if n >= need else "fail",
            f"{n} 条已做措施或成效计分（至少需 {need} 条）",
            credited[:3],
        ),
        "shortcomings": (
            "pass",
            f"{sum(s.counts for s in shortcomings)} 条不足有原文依据",
            _listed(shortcomings),
        )
        if has_problems
        else ("fail", "报告未写存在的不足", []),
        "causes": ("pass", "不足的原因有原文依据", causes[:3])
        if causes
        else ("fail", "报告列出了不足，但没有分析原因" if has_problems else "报告未写不足及其原因", []),
        "leader_duties": ("pass", "写明党政主要负责人履行第一责任人职责的做法", _listed(duties))
        if any(d.counts for d in duties)
        else ("fail", "未写党政主要负责人履行推进法治建设第一责任人职责情况", []),
        "plans": ("pass", f"{sum(p.counts for p in plans)} 项下一年度安排有原文依据", _listed(plans))
        if any(p.counts for p in plans)
        else ("fail", "未写下一年度主要安排", []),
        "published_on_time": _published_on_time(md),
    }


def required_results(checks: dict[str, Check], outline: Outline) -> list[RequiredResult]:
    results = []
    for r in outline.required:
        status, reason, ev = checks[r.id]
        results.append(
            RequiredResult(
                id=r.id,
                name=r.name,
                status=status,  # type: ignore[arg-type]
                points=r.points if status == "pass" else 0.0,
                max=r.points,
                reason=reason,
                evidence=ev,
            )
        )
    return results


def grade_with_caps(
    total: float, required: list[RequiredResult], outline: Outline
) -> tuple[str, str, str | None]:
    """(grade, grade by points alone, why a cap applied): missing contents cap the grade."""
    by_points = outline.grade_for(total)
    missing = [r for r in required if r.id in outline.caps.contents and r.status == "fail"]
    grade, cap = outline.capped_grade(by_points, len(missing))
    if cap is None:
        return grade, by_points, None
    names = "、".join(r.name for r in missing)
    why = (
        f"按得分应为{by_points}，但缺少 {len(missing)} 项必备内容（{names}），"
        f"按评分细则缺 {cap.missing} 项及以上最高评为{cap.best}"
    )
    return grade, by_points, why


def item_results(
    items: list, located: list[Located], check_id: str, outline: Outline, doc: Document
) -> list[ItemResult]:
    return [
        ItemResult(
            text=i.text,
            chunk=i.chunk,
            quote=quote_of(i.evidence, loc, doc),
            role=loc.role,
            counts=counts_for(loc, check_id, outline, doc.text),
        )
        for i, loc in zip(items, located, strict=True)
    ]


def shortcoming_results(
    extraction: ReportExtraction, evidence: Evidence, outline: Outline, doc: Document
) -> list[ItemResult]:
    out = []
    for s, (loc, causes) in zip(extraction.shortcomings, evidence.shortcomings, strict=True):
        counts = counts_for(loc, "shortcomings", outline, doc.text)
        # The cause is the model's causes quote when it counts, else the shortcoming's own
        # sentence when that gives the reason (问题在于…由于…).
        cause_text = s.causes
        if counts_for(loc, "causes", outline, doc.text) and not counts_for(
            causes, "causes", outline, doc.text
        ):
            causes, cause_text = loc, s.evidence
        out.append(
            ItemResult(
                text=s.text,
                chunk=s.chunk,
                quote=quote_of(s.evidence, loc, doc),
                causes=cause_text,
                causes_quote=quote_of(cause_text, causes, doc) if causes is not None else None,
                role=loc.role,
                counts=counts,
                causes_counts=counts and counts_for(causes, "causes", outline, doc.text),
            )
        )
    return out
