"""Sentence roles: only work done (or its results) earns dimension points, whoever proposed it.

The roles come from the cue lexicons in scorer/data/roles.toml and the section a sentence stands
in; an LLM's finding takes the roles of the sentences its quote is found in (tested against the
stub server: the model files plans, problems and headings as measures, and they earn nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scorer.assess import Options, assess_file, assess_text
from scorer.card import ScoreCard
from scorer.figures import scan
from scorer.memo import render_memo
from scorer.roles import role_of
from scorer.sentences import Sentence, split_sentences

from conftest import seed_path
from llm_fakes import find, settings_for
from stub_server import Reply, StubServer


def role(text: str, section: str = "work", year: int | None = 2020) -> str:
    sentence = Sentence(1, 0, len(text), text, section, False)  # type: ignore[arg-type]
    return role_of(sentence, has_figure=bool(scan(text).figures), year=year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年办理行政复议案件54件。", "result"),
        ("召开市委全面依法治市委员会第二次会议。", "done"),
        ("下一步，我区将继续深化行政复议体制改革。", "plan"),
        ("区司法局将加大法律援助工作力度。", "plan"),
        ("2021年，我市将全面推行行政执法三项制度。", "plan"),
        ("尚未建立重大行政决策目录管理制度。", "negated"),
        ("没有开展行政执法案卷评查。", "negated"),
        ("对未按期报备的规范性文件予以纠正。", "done"),
        ("全年未发生行政复议被纠错案件。", "result"),
        ("加强未成年人法治教育，开展法治讲座。", "done"),
        ("严格按照《规定》要求履行职责。", "generic"),
        ("行政执法队伍规范化建设仍存在短板。", "problem"),
        ("针对执法不规范问题，开展专项整治行动。", "done"),
        ("将法治建设纳入全区绩效考核。", "done"),
    ],
)
def test_role_of_a_sentence(text: str, expected: str) -> None:
    assert role(text) == expected


def test_sections_decide_roles_of_problems_and_plans() -> None:
    assert role("执法人员素质参差不齐。", section="problems") == "problem"
    assert role("原因在于基层法制机构力量薄弱。", section="problems") == "cause"
    assert role("深化行政审批制度改革。", section="plans") == "plan"


def test_headings_are_numbered_but_never_measures() -> None:
    text = "一、推进依法行政\n（一）加强党的领导。\n1.领导高度重视。区委召开常委会会议专题研究法治建设。\n"
    sentences = split_sentences(text)
    assert [s.index for s in sentences] == [1, 2, 3, 4]
    assert [s.heading for s in sentences] == [True, True, True, False]


REPORT = """某某区2020年法治政府建设工作报告
2020年，某某区扎实推进法治政府建设。现将有关情况报告如下：
一、主要工作
全年办理行政复议案件54件，纠错率达12%。
召开区委全面依法治区委员会会议2次，区委书记履行推进法治建设第一责任人职责。
区政府常务会议专题研究法治政府建设，审议通过行政复议体制改革方案。
二、存在的问题
行政执法队伍规范化建设仍有差距，原因是基层执法力量不足。
三、下一步工作打算
明年将深化行政复议体制改革，推进依法治区工作。
"""


def llm_card(tmp_path: Path) -> ScoreCard:
    """REPORT scored with the stub model below (real HTTP to a local server, real instructor)."""
    report = tmp_path / "report.txt"
    report.write_text(REPORT, "utf-8")
    with StubServer(_answer) as server:
        options = Options(backend="llm", settings=settings_for(server.base_url, tmp_path))
        return assess_file(report, options).card


def _answer(request: dict) -> Reply:
    """A model that files every sentence about 行政复议 or 依法治区 under two dimensions as done work,
    whatever the sentence is."""
    cited = sorted({*find(request, "行政复议"), *find(request, "依法治区")})
    findings = [
        {"s": [n], "d": d, "r": "done", "t": "措施"} for n in cited for d in ("disputes", "leadership")
    ]
    return Reply.ok({"f": findings})


def test_the_models_findings_get_the_sentences_roles(tmp_path: Path) -> None:
    card = llm_card(tmp_path)
    measures = {(d.id, m.quote.printed): m for d in card.dimensions for m in d.measures}
    done = next(m for (d, q), m in measures.items() if d == "disputes" and q and q.startswith("全年办理"))
    assert done.role == "result" and done.outcome == "credited" and done.credit == 1
    plans = [m for (_, q), m in measures.items() if q and q.startswith("明年将")]
    assert plans and all(m.role == "plan" and m.outcome == "not_done" and m.credit == 0 for m in plans)
    # Filed under two dimensions, the sentence earns in one: the dimension its keywords favour.
    twice = {d: m for (d, q), m in measures.items() if q and q.startswith("区政府常务会议")}
    assert twice["leadership"].outcome == "credited"
    assert twice["disputes"].outcome == "other_dimension" and twice["disputes"].counted_in == "leadership"
    assert card.flagged["not_done"] and all(row["role"] == "plan" for row in card.flagged["not_done"])


def test_rules_backend_gives_the_same_roles() -> None:
    card = assess_text(REPORT, Options(backend="rules")).card
    credited = {m.quote.printed: m.role for d in card.dimensions for m in d.measures if m.credit > 0}
    assert credited and set(credited.values()) <= {"done", "result"}
    assert not any(q.startswith("明年将") for q in credited)
    assert {r.id: r.status for r in card.required}["plans"] == "pass"


def test_a_plan_filed_as_a_measure_is_shown_as_a_plan_in_the_memo(tmp_path: Path) -> None:
    card = llm_card(tmp_path)
    memo = render_memo(card)
    assert "不计分（计划）" in memo and "（计划）：明年将深化行政复议体制改革" in memo


def test_a_seed_without_shortcomings_or_plans_cannot_rank_high() -> None:
    """Seed 001 has neither shortcomings nor next year's plans: two contents the law requires."""
    card = assess_file(seed_path("001_b1447d7b30bc702a"), Options(backend="rules")).card
    status = {r.id: r.status for r in card.required}
    assert status["shortcomings"] == "fail" and status["plans"] == "fail"
    assert card.grade == "合格" and card.cap and "缺少" in card.cap


def test_a_shortcoming_that_gives_its_own_cause_satisfies_the_causes_check(tmp_path: Path) -> None:
    """The model files 「…仍有差距，原因是…」 as a problem and a plan sentence as its cause: the
    cause shown is the sentence that gives the reason, never the plan."""

    def answer(request: dict) -> Reply:
        problem, plan = find(request, "差距"), find(request, "明年将")
        if not problem:
            return Reply.ok({"f": []})
        findings = [{"s": problem, "d": "none", "r": "problem", "t": "队伍建设有差距"}]
        findings.append({"s": plan, "d": "none", "r": "cause", "t": "不是原因"})
        return Reply.ok({"f": findings})

    report = tmp_path / "report.txt"
    report.write_text(REPORT, "utf-8")
    with StubServer(answer) as server:
        options = Options(backend="llm", settings=settings_for(server.base_url, tmp_path))
        card = assess_file(report, options).card
    causes = next(r for r in card.required if r.id == "causes")
    assert causes.status == "pass" and causes.evidence == [
        "行政执法队伍规范化建设仍有差距，原因是基层执法力量不足。"
    ]
