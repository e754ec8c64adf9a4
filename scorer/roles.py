"""The role of every sentence: done, result, plan, problem, cause, heading, generic or negated.

Decided deterministically from the cue lexicons in `scorer/data/roles.toml` and the section a
sentence stands in, for both backends: a finding of the LLM takes the roles of the sentences its
quote is grounded in. Only done measures and results earn dimension points.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict

from scorer.figures import FigureScan
from scorer.sentences import Sentence

Role = Literal["done", "result", "plan", "problem", "cause", "heading", "generic", "negated"]
WORK_ROLES = frozenset({"done", "result"})
_FIRST_CLAUSE = re.compile(r"[，,：:]")
_YEAR_HEAD = re.compile(r"^(?:到|至|在)?((?:19|20)\d{2})年")


class _Lexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    head: tuple[str, ...] = ()
    anywhere: tuple[str, ...] = ()
    object_markers: tuple[str, ...] = ()
    generic_head: tuple[str, ...] = ()


class Cues(BaseModel):
    """The compiled lexicons of roles.toml."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    subject_chars: int
    plan_head: re.Pattern[str]
    plan_anywhere: re.Pattern[str]
    negated_head: re.Pattern[str]
    negation_objects: tuple[str, ...]
    problem: re.Pattern[str]
    problem_objects: tuple[str, ...]
    cause: re.Pattern[str]
    result: re.Pattern[str]
    done: re.Pattern[str]
    generic_head: re.Pattern[str]


def _any(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!x)x")


@cache
def cues() -> Cues:
    raw = tomllib.loads(resources.files("scorer").joinpath("data/roles.toml").read_text("utf-8"))
    lex = {k: _Lexicon.model_validate(v) for k, v in raw.items() if isinstance(v, dict)}
    n = int(raw.get("subject_chars", 8))
    return Cues(
        subject_chars=n,
        plan_head=re.compile(rf"^.{{0,{n}}}?(?:{_any(lex['plan'].head).pattern})"),
        plan_anywhere=_any(lex["plan"].anywhere),
        negated_head=re.compile(rf"^(.{{0,{n}}}?)(?:{_any(lex['negated'].head).pattern})"),
        negation_objects=lex["negated"].object_markers,
        problem=_any(lex["problem"].anywhere),
        problem_objects=lex["problem"].object_markers,
        cause=_any(lex["cause"].anywhere),
        result=_any(lex["result"].anywhere),
        done=_any(lex["done"].anywhere),
        generic_head=re.compile(rf"^.{{0,{n}}}?(?:{_any(lex['done'].generic_head).pattern})"),
    )


def first_clause(body: str) -> str:
    return _FIRST_CLAUSE.split(body, 1)[0]


def _is_plan(clause: str, c: Cues, year: int | None) -> bool:
    if c.plan_head.search(clause) or c.plan_anywhere.search(clause):
        return True
    m = _YEAR_HEAD.match(clause)
    return bool(m and year is not None and int(m.group(1)) > year)


def _is_negated(clause: str, c: Cues) -> bool:
    m = c.negated_head.search(clause)
    return bool(m) and not any(marker in m.group(1) for marker in c.negation_objects)


def _is_problem(body: str, c: Cues) -> bool:
    for m in c.problem.finditer(body):
        before = re.split(r"[，,。；;]", body[: m.start()])[-1]
        if not any(marker in before for marker in c.problem_objects):
            return True
    return False


def _work_role(body: str, has_figure: bool, c: Cues, vocabulary: re.Pattern[str] | None) -> Role:
    """Result, done or generic. A done word must stand outside the rubric's keywords: 加强法治培训
    names a kind of work, 开展法治培训 says it was done."""
    if has_figure or c.result.search(body):
        return "result"
    rest = body
    if m := c.generic_head.search(body):
        rest = body[m.end() :]
    if vocabulary is not None:
        rest = vocabulary.sub("□", rest)
    return "done" if c.done.search(rest) else "generic"


def role_of(
    s: Sentence,
    *,
    has_figure: bool = False,
    year: int | None = None,
    vocabulary: re.Pattern[str] | None = None,
) -> Role:
    """The role of one sentence (pure). `year` is the year reported on: later years mean plans;
    `vocabulary` matches the rubric's keywords, which do not by themselves say work was done."""
    c = cues()
    body = s.body
    clause = first_clause(body)
    if s.heading:
        return "heading"
    if s.section == "plans":
        return "plan"
    if s.section == "preamble":  # the opening summary restates the year in general terms
        return "generic"
    if s.section == "problems":
        return "cause" if c.cause.search(body) else "problem"
    if _is_negated(clause, c):
        return "negated"
    if _is_plan(clause, c, year):
        return "plan"
    if _is_problem(body, c):
        return "cause" if c.cause.search(body) else "problem"
    return _work_role(body, has_figure, c, vocabulary)


def label_roles(
    sentences: tuple[Sentence, ...],
    baseline: FigureScan,
    year: int | None,
    vocabulary: re.Pattern[str] | None = None,
) -> tuple[Role, ...]:
    """The role of every sentence, aligned with `sentences`.

    A plan or negation governs the items that follow it after ；in the same sentence
    (下一步将：一是…；二是…；三是…。), unless an item has its own cue.
    """
    roles: list[Role] = []
    for i, s in enumerate(sentences):
        role = role_of(s, has_figure=bool(baseline.within(s.start, s.end)), year=year, vocabulary=vocabulary)
        previous = sentences[i - 1] if i else None
        continues = (
            previous is not None and previous.text.endswith(("；", ";")) and previous.section == s.section
        )
        if continues and roles[-1] in ("plan", "negated") and role in (*WORK_ROLES, "generic"):
            role = roles[-1]
        roles.append(role)
    return tuple(roles)
