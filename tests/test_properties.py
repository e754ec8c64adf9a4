"""Property tests: the text layer never crashes on arbitrary input, and chunks always tile."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorer.chunking import chunk_text
from scorer.errors import InputError
from scorer.ingest import decode_report
from scorer.normalize import normalize

REPORTISH = st.lists(
    st.sampled_from(
        [*"一二三、。，(（)）区市工作法治政府 \n\t\u3000qūàé0123456789△>首页扫?", "发布时间:", "(qū)"]
    ),
    max_size=200,
).map("".join)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_decode_arbitrary_bytes(data: bytes) -> None:
    try:
        doc = decode_report(data)
    except InputError:
        return
    normalize(doc.text)


@settings(max_examples=150)
@given(st.one_of(st.text(max_size=500), REPORTISH))
def test_normalize_and_chunk_arbitrary_text(text: str) -> None:
    norm = normalize(text)
    assert len(norm.positions) == len(norm.text)
    assert all(0 <= p < max(1, len(text)) for p in norm.positions)
    for max_chars in (50, 6000):
        chunks = chunk_text(norm.text, max_chars=max_chars)
        assert "".join(c.text_of(norm.text) for c in chunks) == norm.text
        assert all(c.end - c.start <= max_chars for c in chunks)
