"""G7: what the prompt costs per report, and whether its fixed first part can be served from a prompt cache.

Per seed, at the default settings (default chunk size, `--mode auto`, which picks `json` for the local
stub): characters sent and completion tokens per character of normalized report text, requests, and
whether the fixed first part of each request (the system message(s), plus tools / response_format when
sent) is byte-identical across the requests of a report and across reports with the same rubric;
providers' prompt caches only reuse an identical prefix.

Written against public pieces only (`Extractor(settings, outline).extract(doc)` and the request bodies
the stub records), so it keeps working while the prompt, the schema and the extractor change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import SEEDS, Config, Results, against_stub, log, sent_chars, table

from scorer.assess import choose_outline
from scorer.extract import Extractor
from scorer.pipeline import load_document

from llm_fakes import settings_for


@dataclass
class Budget:
    seed: str
    rubric: str
    mode: str
    report_chars: int
    requests: int
    sent: int  # characters, as harness.sent_chars counts them
    completion_tokens: int
    failed: int  # chunks the extraction could not fill
    fixed: tuple[str, ...]  # the fixed first part of each request, serialized

    @property
    def fixed_identical(self) -> bool:
        return len(set(self.fixed)) <= 1


def fixed_part(body: dict[str, Any]) -> str:
    """The part of a request meant to be the same every time: leading system messages, tools, format."""
    messages = body.get("messages") or []
    lead = []
    for message in messages:
        if message.get("role") != "system":
            break
        lead.append(message)
    extra = {key: body[key] for key in ("tools", "response_format") if body.get(key) is not None}
    return json.dumps({"system": lead, **extra}, ensure_ascii=False)


def budget(path: Path, tmp: Path) -> Budget:
    """Extract one report against a fresh stub at the default settings and read what it was sent."""
    doc = load_document(path)
    outline = choose_outline("auto", doc)

    def work(base_url: str) -> tuple[Any, str]:
        settings = settings_for(base_url, tmp, cache="off", mode="auto")
        return Extractor(settings, outline).extract(doc), settings.resolved_mode()

    (extraction, mode), bodies = against_stub(work)
    usage = getattr(extraction, "usage", None)
    return Budget(
        seed=path.stem,
        rubric=str(getattr(outline, "id", "?")),
        mode=mode,
        report_chars=len(doc.text),
        requests=len(bodies),
        sent=sum(sent_chars(b) for b in bodies),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        failed=len(getattr(extraction, "failed_chunks", None) or ()),
        fixed=tuple(fixed_part(b) for b in bodies),
    )


def _first_difference(parts: set[str]) -> str:
    """Where two distinct fixed parts first differ, so whoever changes the prompt can find it."""
    a, b = sorted(parts)[:2]
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lo, hi = max(0, at - 30), at + 30
    return f"first difference at character {at}: …{a[lo:hi]!r}… vs …{b[lo:hi]!r}…"


def _by_rubric(budgets: list[Budget]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for b in budgets:
        groups.setdefault(b.rubric, set()).update(b.fixed)
    return groups


def _row(b: Budget | None, budgets: list[Budget]) -> list[Any]:
    """One table row: a seed, or (b is None) all of them."""
    bs = [b] if b else budgets
    chars = sum(x.report_chars for x in bs)
    sent, tokens, requests = (
        sum(x.sent for x in bs),
        sum(x.completion_tokens for x in bs),
        sum(x.requests for x in bs),
    )
    fixed = {len(f) for x in bs for f in x.fixed}
    return [
        b.seed if b else "**overall**",
        b.rubric if b else "",
        chars,
        requests,
        f"{sent / chars:.2f}",
        f"{tokens / chars:.4f}",
        ", ".join(map(str, sorted(fixed))),
        ("yes" if all(x.fixed_identical for x in bs) else "**no**")
        + (" (one request)" if requests == 1 else ""),
        sum(x.failed for x in bs),
    ]


def run(cfg: Config, res: Results, tmp: Path) -> None:
    budgets = [budget(p, tmp) for p in SEEDS]
    for b in budgets:
        log(f"goal 7: {b.seed}: {b.requests} requests, {b.sent / b.report_chars:.2f} chars/char")
    chars = sum(b.report_chars for b in budgets)
    groups = _by_rubric(budgets)
    within = all(b.fixed_identical for b in budgets)
    across = all(len(parts) <= 1 for parts in groups.values())
    res.row(
        "G7",
        "prompt budget per report at the default settings (chars sent and completion tokens per report "
        "char; fixed first part identical within a report and across reports of a rubric)",
        f"{sum(b.sent for b in budgets) / chars:.2f} chars/char, "
        f"{sum(b.completion_tokens for b in budgets) / chars:.4f} completion tokens/char, "
        f"{sum(b.requests for b in budgets)} requests for {len(budgets)} reports; fixed part identical "
        f"within each report: {'yes' if within else 'no'}, "
        f"across reports per rubric: {'yes' if across else 'no'}",
        "— (report)",
        None,
    )
    res.sections.append(_section(budgets, groups))


def _section(budgets: list[Budget], groups: dict[str, set[str]]) -> str:
    rubric_lines = [
        f"- `{rubric}`: {sum(b.rubric == rubric for b in budgets)} report(s), {len(parts)} distinct fixed "
        "part(s)" + ("" if len(parts) <= 1 else f"; {_first_difference(parts)}")
        for rubric, parts in groups.items()
    ]
    return (
        "## G7 — prompt budget\n\n"
        "`Extractor(settings, outline).extract(doc)` per seed against a fresh stub (responder "
        "`llm_fakes.honest_answer`, latency 0), default chunk size, `mode='auto'` (resolved to "
        f"{', '.join(sorted({f'`{b.mode}`' for b in budgets}))}), cache off. Characters sent are counted "
        "as in G2 (messages + tools + response_format as JSON) and divided by the normalized report "
        "text; completion tokens are the stub's estimate (len(answer) // 4) summed by the scorer. The "
        "fixed part of a request is its leading system message(s) plus tools / response_format where "
        "sent; a provider's prompt cache can reuse it only if it is byte-identical.\n\n"
        + table(
            [
                "seed",
                "rubric",
                "report chars",
                "requests",
                "chars sent / report char",
                "completion tokens / report char",
                "fixed part chars",
                "fixed part identical in all requests",
                "failed chunks",
            ],
            [_row(b, budgets) for b in budgets] + [_row(None, budgets)],
        )
        + "\n\nAcross reports with the same rubric:\n\n"
        + "\n".join(rubric_lines)
    )
