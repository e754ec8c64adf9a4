"""The deterministic front of the pipeline: file → raw text → normalized text → metadata + chunks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scorer.chunking import DEFAULT_MAX_CHARS, Chunk, chunk_text
from scorer.ingest import RawDocument, read_report
from scorer.metadata import Metadata, extract_metadata
from scorer.normalize import NormalizedText, normalize
from scorer.sentences import Sentence, split_sentences


@dataclass(frozen=True, eq=False)
class Document:
    """Everything the later stages need to know about one report."""

    raw: RawDocument
    norm: NormalizedText
    metadata: Metadata
    chunks: tuple[Chunk, ...]
    sentences: tuple[Sentence, ...] = ()

    @property
    def text(self) -> str:
        return self.norm.text


def prepare(raw: RawDocument, *, max_chunk_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """Normalize, describe and chunk a decoded report (pure); chunks are packed into model calls."""
    norm = normalize(raw.text)
    metadata = extract_metadata(norm, encoding=raw.encoding)
    chunks = tuple(chunk_text(norm.text, max_chars=max_chunk_chars, pack=True))
    return Document(
        raw=raw, norm=norm, metadata=metadata, chunks=chunks, sentences=split_sentences(norm.text)
    )


def load_document(path: str | Path, *, max_chunk_chars: int = DEFAULT_MAX_CHARS) -> Document:
    """Read a report file and prepare it; raises InputError for unusable files."""
    from scorer.errors import InputError

    doc = prepare(read_report(path), max_chunk_chars=max_chunk_chars)
    if not doc.text.strip():
        raise InputError(f"{path}: nothing but site chrome in file (no report text left after cleaning)")
    return doc
