"""Output: rich tables on stderr, JSON objects for stdout, Markdown memos."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from scorer.pipeline import Document


def inspect_json(doc: Document) -> dict[str, Any]:
    """The `scorer inspect --json` object."""
    md = doc.metadata
    stats = doc.norm.stats
    return {
        "source": doc.raw.source,
        "metadata": {
            "title": md.title,
            "issuer": md.issuer,
            "region": md.region,
            "year": md.year,
            "published": md.published.isoformat() if md.published else None,
            "signed": md.signed.isoformat() if md.signed else None,
            "doc_number": md.doc_number,
            "kind": md.kind,
            "script": md.script,
            "encoding": md.encoding,
            "evidence": {k: v.model_dump() for k, v in md.evidence.items()},
        },
        "cleaning": {
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
