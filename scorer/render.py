"""Output: rich tables on stderr, JSON objects for stdout, Markdown memos."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from scorer import labels_zh

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from rich.console import Console

    from scorer.card import ScoreCard
    from scorer.figures import FigureScan
    from scorer.outline import Outline
    from scorer.pipeline import Document
    from scorer.schema import ReportExtraction


def inspect_json(doc: Document) -> dict[str, Any]:
    """The `scorer inspect --json` object."""
    md = doc.metadata
    stats = doc.norm.stats
    return {
        "source": doc.raw.source,
        "metadata": {**md.summary(), "evidence": {k: v.model_dump() for k, v in md.evidence.items()}},
        "cleaning": {
            "format": doc.raw.format,
            "html": doc.raw.html,
            "glosses_removed": stats.glosses_removed,
            "gloss_residues": len(stats.residues),
            "residues": [r.model_dump() for r in stats.residues],
            "boilerplate_lines": sum(stats.boilerplate.values()),
            "boilerplate": stats.boilerplate,
            "chars_converted": stats.chars_converted,
            "lines_split": stats.lines_split,
            "original_chars": len(doc.norm.original),
            "normalized_chars": len(doc.text),
        },
        "text": doc.text,
        "chunks": [
            {"index": c.index, "title": c.title, "start": c.start, "end": c.end, "chars": c.end - c.start}
            for c in doc.chunks
        ],
    }


def print_inspect(doc: Document, console: Console) -> None:
    """Human view of `scorer inspect`."""
    from rich.table import Table

    data = inspect_json(doc)
    meta = Table(title=f"{doc.raw.source}", show_header=False)
    meta.add_column("field", style="bold")
    meta.add_column("value")
    labels = {
        "title": "标题",
        "issuer": "发布主体",
        "region": "地区",
        "year": "报告年度",
        "published": "发布日期",
        "signed": "落款日期",
        "doc_number": "文号",
        "kind": "文件类型",
        "script": "原文字体",
        "encoding": "编码",
    }
    for key, label in labels.items():
        value = data["metadata"][key]
        meta.add_row(label, "—" if value is None else str(value))
    console.print(meta)
    c = data["cleaning"]
    console.print(
        f"清理：HTML={'是' if c['html'] else '否'}，删除拼音注音 {c['glosses_removed']} 处，"
        f"残缺注音 {c['gloss_residues']} 处，删除网页模板行 {c['boilerplate_lines']} 行 {c['boilerplate']}，"
        f"繁转简 {c['chars_converted']} 字，{c['original_chars']} → {c['normalized_chars']} 字"
    )
    for r in doc.norm.stats.residues:
        console.print(f"  [yellow]残缺注音[/] {r.text!r} 于原文 {r.start}：…{r.context}…")
    table = Table(title="分块")
    for col in ("#", "标题", "起", "止", "字数"):
        table.add_column(col)
    for ch in data["chunks"]:
        table.add_row(str(ch["index"]), ch["title"][:60], str(ch["start"]), str(ch["end"]), str(ch["chars"]))
    console.print(table)


def figures_json(doc: Document, result: FigureScan) -> dict[str, Any]:
    """The `scorer figures --json` object; offsets are into the normalized text, `original` into the file."""

    def original(start: int, end: int) -> dict[str, Any]:
        ostart, oend = doc.norm.to_original(start, end)
        return {"start": ostart, "end": oend, "text": doc.norm.original[ostart:oend]}

    return {
        "source": doc.raw.source,
        "figures": [
            {
                "surface": f.surface,
                "value": f.value,
                "unit": f.unit,
                "approx": f.approx,
                "kind": f.kind,
                "canonical": str(f.canonical),
                "canonical_high": str(f.canonical_high) if f.canonical_high is not None else None,
                "start": f.start,
                "end": f.end,
                "original": original(f.start, f.end),
            }
            for f in result.figures
        ],
        "rejected": [
            {"surface": r.surface, "reason": r.reason, "start": r.start, "end": r.end}
            for r in result.rejected
        ],
    }


def print_figures(doc: Document, result: FigureScan, console: Console) -> None:
    """Human view of `scorer figures`: a table with context and a count of rejections by reason."""
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{doc.raw.source}：{len(result.figures)} 个数字")
    for col in ("#", "原文", "数值", "单位", "约数", "类型", "上下文"):
        table.add_column(col)
    text = doc.text
    for i, f in enumerate(result.figures, 1):
        context = (
            text[max(0, f.start - 12) : f.start]
            + "[bold]"
            + escape(f.surface)
            + "[/]"
            + text[f.end : f.end + 6]
        )
        table.add_row(
            str(i),
            escape(f.surface),
            str(f.canonical),
            f.unit,
            f.approx or "",
            f.kind,
            context.replace("\n", " "),
        )
    console.print(table)
    reasons = Counter(r.reason for r in result.rejected)
    console.print("排除的非数字：" + "，".join(f"{k} {v}" for k, v in sorted(reasons.items())))


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields a callback (done, total)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def print_extraction(result: ReportExtraction, outline: Outline, console: Console) -> None:
    """Human view of `scorer extract`: measures per dimension with their quotes."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"抽取结果（{result.backend}：{result.model or '规则'}）", show_lines=True)
    for col in ("维度", "措施", "引文", "数字"):
        table.add_column(col)
    for dim in outline.dimensions:
        for m in result.dimensions.get(dim.id, []):
            table.add_row(
                dim.name,
                escape(m.summary),
                escape(m.evidence[:80]),
                escape("，".join(f.surface for f in m.figures)),
            )
    console.print(table)
    for label, items in (
        ("问题", result.shortcomings),
        ("计划", result.plans),
        ("第一责任人", result.leader_duties),
    ):
        for item in items:
            console.print(f"[bold]{label}[/]：{escape(item.text)}")
    u = result.usage
    console.print(
        f"调用 {u.calls} 次，缓存命中 {u.cache_hits}，提示 {u.prompt_tokens} tokens，"
        f"生成 {u.completion_tokens} tokens，发送 {u.prompt_chars} 字符"
    )


def print_card(card: ScoreCard, console: Console) -> None:
    """The rich terminal summary of one score card (stderr)."""
    from rich.markup import escape
    from rich.table import Table

    md = card.metadata
    who = md.get("issuer") or md.get("region") or card.source
    grade = f"暂定：{card.grade}" if card.provisional else card.grade
    if not card.graded:
        grade = f"不予评级：{card.kind.label}"
    table = Table(
        title=f"{escape(str(who))} {md.get('year') or ''} — {card.total:g}/{card.max_total:g}（{grade}）"
    )
    for col in ("维度", "得分", "措施", "核实数字"):
        table.add_column(col)
    for d in card.dimensions:  # the card's own counts: the memo and the JSON show the same numbers
        table.add_row(
            escape(d.name),
            f"{d.score:g}/{d.max:g}",
            f"{d.credited}/{len(d.measures)}",
            str(d.verified_figures),
        )
    console.print(table)
    if not card.graded:
        console.print(f"[yellow]不予评级：{escape('；'.join(card.kind.evidence[:3]))}[/]")
    if card.cap:
        console.print(f"[yellow]评级封顶：{escape(card.cap)}[/]")
    marks = {"pass": "[green]✔[/]", "fail": "[red]✘[/]", "unknown": "[yellow]?[/]"}
    console.print("  ".join(f"{marks[r.status]} {r.name}" for r in card.required))
    flagged = [f for f in card.figures if f.status != "verified"]
    if flagged:
        console.print(f"[yellow]{len(flagged)} 个数字无原文依据或与原文不符[/]")
    failed = card.provenance.get("failed_chunks", [])
    if failed:
        console.print(f"[yellow]暂定：{len(failed)} 段抽取失败，未计分；重新运行可补齐[/]")
    if card.unread_pages:
        pages = labels_zh.unread_pages(card.unread_pages)
        console.print(f"[yellow]暂定：{pages}，未计分；请 OCR 后重新评分[/]")
    backend = "规则（离线）" if card.backend == "rules" else f"大模型 {card.model}"
    console.print(f"[dim]评分细则 {card.rubric['id']}；抽取：{escape(backend)}[/]")
