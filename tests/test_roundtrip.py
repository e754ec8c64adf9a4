"""The same report as GB18030, Big5 traditional, an HTML page or CRLF text normalizes to the same text.

GB18030, HTML and CRLF must match exactly. For Big5 we compare with difflib and accept a
difference only where the Big5 encoder itself lost a character (it writes '?', e.g. the
tone-marked pinyin glosses of seeds 001/003) or for 着/著, which OpenCC's s2tw → t2s cannot
map back because 著 is also a simplified character.
"""

from __future__ import annotations

import difflib

import pytest

from scorer.ingest import decode_report
from scorer.pipeline import load_document, prepare

from conftest import seed_path
from test_normalize import assert_offsets_sound
from variants import VARIANTS


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_normalizes_to_the_same_text(seed: str, variant: str) -> None:
    original = load_document(seed_path(seed))
    data, ext = VARIANTS[variant](original.raw.text)
    doc = prepare(decode_report(data, source=f"{seed}{ext}"))
    assert_offsets_sound(doc.norm)
    if variant != "big5":
        assert doc.text == original.text
        assert [c.title for c in doc.chunks] == [c.title for c in original.chunks]
        assert doc.metadata.region == original.metadata.region
        return
    assert doc.raw.encoding == "big5"
    matcher = difflib.SequenceMatcher(None, original.text, doc.text, autojunk=False)
    for tag, a, b, c, d in matcher.get_opcodes():
        if tag == "equal":
            continue
        lost = "?" in doc.text[c:d]
        assert lost or (original.text[a:b], doc.text[c:d]) == ("着", "著"), (
            tag,
            original.text[a:b],
            doc.text[c:d],
        )
    assert doc.metadata.region == original.metadata.region
    assert doc.metadata.year == original.metadata.year
