"""G2: characters sent to the model per character of report, at three chunk sizes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import SEEDS, Config, Results, against_stub, log, median, sent_chars, table

from scorer.assess import Options, assess_file

from llm_fakes import chunk_text, settings_for

OVERHEAD_GOAL = 2.0
SIZES = (6000, 3000, 1000)


@dataclass
class Overhead:
    report_chars: int
    chunks: int
    requests: int
    sent: int
    prompt_tokens: int
    system: int = 0  # system message contents
    rubric_prompt: int = 0  # of which the rendered prompts/system.md
    user: int = 0  # user message contents
    text: int = 0  # of which the report text between the delimiters
    other: int = 0  # JSON envelope, tools / response_format

    @property
    def ratio(self) -> float:
        return self.sent / self.report_chars


def overhead_run(path: Path, max_chunk_chars: int, tmp: Path, mode: str = "json") -> Overhead:
    from scorer.prompts import system_prompt

    def work(base_url: str) -> Any:
        settings = settings_for(base_url, tmp, cache="off", mode=mode)
        return assess_file(path, Options(backend="llm", max_chunk_chars=max_chunk_chars, settings=settings))

    result, bodies = against_stub(work)
    rubric_prompt = len(system_prompt(result.outline))
    o = Overhead(
        report_chars=len(result.doc.text),
        chunks=len(result.doc.chunks),
        requests=len(bodies),
        sent=sum(sent_chars(b) for b in bodies),
        prompt_tokens=result.extraction.usage.prompt_tokens,
    )
    for body in bodies:
        for message in body["messages"]:
            content = str(message.get("content") or "")
            if message["role"] == "system":
                o.system += len(content)
                o.rubric_prompt += rubric_prompt if content.startswith(system_prompt(result.outline)) else 0
            else:
                o.user += len(content)
        o.text += len(chunk_text(body))
    o.other = o.sent - o.system - o.user
    return o


def _overall(os_: list[Overhead]) -> float:
    return sum(o.sent for o in os_) / sum(o.report_chars for o in os_)


def run(cfg: Config, res: Results, tmp: Path) -> None:
    data: dict[int, list[Overhead]] = {}
    for size in SIZES:
        data[size] = [overhead_run(p, size, tmp) for p in SEEDS]
        log(f"goal 2: chunk size {size}: overall {_overall(data[size]):.2f}")
    tools = [overhead_run(p, 6000, tmp, mode="tools") for p in SEEDS]
    default = data[6000]
    worst = max(o.ratio for o in default)
    met = _overall(default) <= OVERHEAD_GOAL and worst <= OVERHEAD_GOAL
    res.row(
        "G2",
        "prompt characters sent / report characters, default chunk size 6000 (mode json)",
        f"overall {_overall(default):.2f} (per seed {', '.join(f'{o.ratio:.2f}' for o in default)}); "
        f"at 3000: {_overall(data[3000]):.2f}; at 1000: {_overall(data[1000]):.2f}",
        f"≤ {OVERHEAD_GOAL} at 6000",
        met,
    )
    res.sections.append(_section(data, tools))
    if not met:
        res.profiles.append(_composition(data))


def _rows(data: dict[int, list[Overhead]]) -> list[list[Any]]:
    rows = []
    for p_index, path in enumerate(SEEDS):
        row: list[Any] = [path.stem, data[6000][p_index].report_chars]
        for size in SIZES:
            o = data[size][p_index]
            row += [f"{o.chunks}/{o.requests}", f"{o.ratio:.2f}"]
        row.append(data[6000][p_index].prompt_tokens)
        rows.append(row)
    overall_row: list[Any] = ["**overall**", sum(o.report_chars for o in data[6000])]
    for size in SIZES:
        overall_row += [
            f"{sum(o.chunks for o in data[size])}/{sum(o.requests for o in data[size])}",
            f"**{_overall(data[size]):.2f}**",
        ]
    overall_row.append(sum(o.prompt_tokens for o in data[6000]))
    rows.append(overall_row)
    return rows


def _section(data: dict[int, list[Overhead]], tools: list[Overhead]) -> str:
    return (
        "## G2 — prompt overhead\n\n"
        "Characters sent = Σ over every request the stub received (retries included) of "
        "len(json.dumps(messages, ensure_ascii=False)) + len(json.dumps(tools)) + "
        "len(json.dumps(response_format)) where present; divided by the report's normalized text "
        "length. Mode `json` (what settings_for and `--mode auto` pick for a local endpoint): "
        "instructor appends the JSON schema to the system message. Tokens are the stub's "
        "*estimate* (`usage.prompt_tokens` = len(json.dumps(messages)) // 4, summed by the scorer), "
        "not a real tokenizer's count: len/4 is a rule of thumb for English, and Chinese text takes "
        "more tokens per character, so real counts for these prompts would be higher.\n\n"
        + table(
            [
                "seed",
                "report chars",
                "6000: chunks/requests",
                "6000: ratio",
                "3000: chunks/requests",
                "3000: ratio",
                "1000: chunks/requests",
                "1000: ratio",
                "est. prompt tokens at 6000",
            ],
            _rows(data),
        )
        + f"\n\nFor comparison, mode `tools` (what `--mode auto` picks for OpenAI/DeepSeek/DashScope; "
        f"schema sent as a tool definition) at 6000: overall {_overall(tools):.2f} "
        f"(per seed {', '.join(f'{o.ratio:.2f}' for o in tools)})."
    )


def _parts(os_: list[Overhead]) -> dict[str, int]:
    """What the characters sent are, summed over the seeds."""
    return {
        "report text (between the delimiters)": sum(o.text for o in os_),
        "user template around it (issuer, year, chunk title, delimiters, instruction)": sum(
            o.user - o.text for o in os_
        ),
        "system prompt (prompts/system.md with the rubric's dimensions and overlap rules)": sum(
            o.rubric_prompt for o in os_
        ),
        "JSON schema + instructions instructor appends to the system message": sum(
            o.system - o.rubric_prompt for o in os_
        ),
        "JSON envelope (json.dumps escaping, roles) + response_format": sum(o.other for o in os_),
    }


def _composition(data: dict[int, list[Overhead]]) -> str:
    comp = [
        (size, sum(o.sent for o in data[size]), sum(o.requests for o in data[size]), _parts(data[size]))
        for size in SIZES
    ]
    header = ["part of what is sent"] + [f"{s}: chars/request (share)" for s, *_ in comp]
    names = list(comp[0][3])
    rows = [
        [name] + [f"{parts[name] / reqs:.0f} ({parts[name] / sent:.0%})" for _, sent, reqs, parts in comp]
        for name in names
    ]
    fixed = [(sent - parts[names[0]]) / reqs for _, sent, reqs, parts in comp]
    default = data[6000]
    avg_report = median([o.report_chars for o in default])
    return (
        "### G2 — prompt overhead: what the characters are\n\n"
        "Not a CPU profile: the composition of every request body the stub recorded, summed "
        "over the five seeds, per request.\n\n"
        + table(header, rows)
        + "\n\nFixed cost per request (everything but the report text): "
        + ", ".join(f"{f:.0f} chars at {s}" for f, (s, *_) in zip(fixed, comp, strict=True))
        + f". The seeds' median report is {avg_report} chars, so even one request per report "
        f"would give a ratio of about 1 + {fixed[0]:.0f}/{avg_report} = {1 + fixed[0] / avg_report:.1f}; "
        f"with the {sum(o.requests for o in default)} requests the chunker makes at 6000 "
        f"(vs. {len(default)} reports) the fixed part is paid "
        f"{sum(o.requests for o in default) / len(default):.1f} times per report."
    )
