"""Titles of measures, plans and shortcomings never cut a word in half."""

from __future__ import annotations

import pytest

from scorer.assess import Options, assess_file
from scorer.titles import short_title, summary_title

from conftest import SEEDS, seed_path


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        # The first clause, whole (20 characters gave 召开中共浏阳市委全面依法治市委员会第二次).
        (
            "召开中共浏阳市委全面依法治市委员会第二次会议,全面传达学习中央全面依法治国委员会精神。",
            "召开中共浏阳市委全面依法治市委员会第二次会议",
        ),
        # List ordinals and a bare date are not titles.
        ("(二)2020年,对招商引资类合同进行审查。", "对招商引资类合同进行审查"),
        # A number with a thousands separator is not a clause end.
        ("全年办理法律援助案件1,200件,同比增长5%。", "全年办理法律援助案件1,200件"),
        # Too long: cut after a 、 within the limit, marked …
        (
            "围绕扫黑除恶、环境保护、消费者权益保护、国家安全、禁毒等工作,指导相关部门开展活动6次。",
            "围绕扫黑除恶、环境保护、消费者权益保护、国家安全…",
        ),
        # Never inside 《…》: the first place after the limit where the title ends.
        (
            "严格执行《渭滨区全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的若干措施》"
            "《渭滨区行政执法三年提升行动》等规定。",
            "严格执行《渭滨区全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的若干措施》…",
        ),
        # No place to cut at all: the clause is kept whole rather than cut mid-word.
        (
            "区司法局法制办对提交政府常务会议的议题进行合法性审查一百余件并全部提出审查意见。",
            "区司法局法制办对提交政府常务会议的议题进行合法性审查一百余件并全部提出审查意见",
        ),
        # A model's short summary is kept as it is.
        ("健全依法治市委员会", "健全依法治市委员会"),
    ],
)
def test_a_title_is_the_first_clause_cut_only_where_a_phrase_ends(sentence: str, title: str) -> None:
    assert short_title(sentence) == title


def test_no_seed_title_is_cut_mid_phrase() -> None:
    """Every title of every seed is a whole clause of its quote, or a prefix ending at a phrase end + …"""
    for seed in SEEDS:
        card = assess_file(seed_path(seed), Options(backend="rules")).card
        titled = [(m.summary, m.quote.proposed) for d in card.dimensions for m in d.measures]
        titled += [(i.text, i.quote.proposed) for i in [*card.plans, *card.shortcomings, *card.leader_duties]]
        assert titled, seed
        for title, quote in titled:
            if title.endswith("…"):
                prefix = title[:-1]
                after = quote[quote.index(prefix) + len(prefix)]
                assert prefix[-1] in "》”’」』】）)〕" or after in "、《“‘「『【（(〔", (title, quote)
            else:
                start = quote.index(title)
                end = start + len(title)
                assert end == len(quote) or quote[end] in "，,；;：:。！？", (title, quote)


@pytest.mark.parametrize(
    ("summary", "title"),
    [
        ("依法科学民主,行政决策落实有力", "依法科学民主,行政决策落实有力"),  # two clauses that fit: whole
        ("健全依法治市委员会", "健全依法治市委员会"),
        (
            "积极培育区级法治建设示范项目,促进法治政府建设走深走实并形成可复制经验",
            "积极培育区级法治建设示范项目…",
        ),
    ],
)
def test_the_model_s_summary_is_kept_whole_when_it_fits(summary: str, title: str) -> None:
    assert summary_title(summary) == title
