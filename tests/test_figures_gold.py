"""Precision and recall of the regex figure baseline against the hand-annotated gold.

A baseline figure matches a gold figure when their spans overlap and they have the same
canonical value and unit. Gold entries are located by their `context` string.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from scorer.figures import canonical_unit, scan
from scorer.pipeline import load_document

from conftest import REPORTS, SEEDS

GOLD = Path(__file__).parent / "data" / "gold"


def _locate(text: str, item: dict) -> tuple[int, int] | None:
    flat = text.replace("\n", " ")
    at = flat.find(item["context"].replace("\n", " "))
    if at < 0:
        return None
    inner = item["context"].find(item["surface"])
    start = at + max(inner, 0)
    return start, start + len(item["surface"])


def evaluate(seed: str) -> dict[str, float]:
    gold = json.loads((GOLD / f"{seed}.figures.json").read_text("utf-8"))
    text = load_document(REPORTS / f"{seed}.txt").text
    found = scan(text).figures
    unmatched = list(found)
    tp = unlocated = 0
    for item in gold["figures"]:
        key = (Decimal(item["canonical"]), canonical_unit(item["unit"]))
        span = _locate(text, item)
        unlocated += span is None
        for fig in unmatched:
            near = span is None or (fig.start < span[1] + 2 and span[0] - 2 < fig.end)
            if fig.key() == key and near:
                unmatched.remove(fig)
                tp += 1
                break
    kept = 0
    for item in gold["non_figures"]:
        span = _locate(text, item)
        if span is None or not any(f.start < span[1] and span[0] < f.end for f in found):
            kept += 1
    return {
        "tp": tp,
        "predicted": len(found),
        "gold": len(gold["figures"]),
        "precision": tp / max(1, len(found)),
        "recall": tp / max(1, len(gold["figures"])),
        "rejection": kept / max(1, len(gold["non_figures"])),
        "non_figures": len(gold["non_figures"]),
        "unlocated": unlocated,
    }


def test_gold_files_are_labelled_hand_annotation() -> None:
    for seed in SEEDS:
        gold = json.loads((GOLD / f"{seed}.figures.json").read_text("utf-8"))
        assert gold["annotation"].startswith("hand annotation")
        assert gold["figures"] and gold["non_figures"]


def test_baseline_against_gold(capsys: pytest.CaptureFixture[str]) -> None:
    rows = {seed: evaluate(seed) for seed in SEEDS}
    total = {k: sum(r[k] for r in rows.values()) for k in ("tp", "predicted", "gold", "non_figures")}
    precision = total["tp"] / total["predicted"]
    recall = total["tp"] / total["gold"]
    rejection = sum(r["rejection"] * r["non_figures"] for r in rows.values()) / total["non_figures"]
    with capsys.disabled():
        print("\nseed                  precision  recall  rejection  (tp/predicted/gold, unlocated)")
        for seed, r in rows.items():
            print(
                f"{seed}  {r['precision']:.3f}      {r['recall']:.3f}   {r['rejection']:.3f}"
                f"      ({r['tp']}/{r['predicted']}/{r['gold']}, {r['unlocated']})"
            )
        print(f"overall               {precision:.3f}      {recall:.3f}   {rejection:.3f}")
    assert precision >= 0.97 and recall >= 0.97 and rejection >= 0.97
    for seed, r in rows.items():
        assert r["precision"] >= 0.93 and r["recall"] >= 0.93, seed
        assert r["unlocated"] == 0, seed
