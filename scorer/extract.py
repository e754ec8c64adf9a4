"""LLM extraction of a whole report: chunks in parallel, cached, retried, merged.

One chunk failing never loses the others: every chunk that succeeds is cached at once, and
a failed chunk is named with its reason in the result.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from scorer.cache import Cache, cache_key, request_for, schema_digest, shown_path
from scorer.chunking import Chunk
from scorer.errors import CANCEL, ConfigError, ExtractionFailed
from scorer.interrupt import child_init, commit
from scorer.labels import merge_labels, sentences_in
from scorer.llm import ChunkFailed, LLMClient, Settings, Truncated, redact, require_endpoint
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.prompts import messages_for, prompt_version
from scorer.schema import FailedChunk, Labels, ReportExtraction, Usage
from scorer.sentences import Sentence

MAX_SPLIT_DEPTH = 2


@contextmanager
def cancellable_pool(workers: int, name: str, *, processes: bool = False) -> Iterator[Executor]:
    """A pool that, on Ctrl-C, cancels what has not started and does not wait for calls in flight
    (their answers are not written: see scorer/interrupt.py).

    Threads suit waiting on an endpoint; processes suit CPU-bound work (the rules backend),
    which threads cannot spread over cores; a process's report takes a second or two, and is
    waited for.
    """
    pool: Executor
    if processes:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=child_init, initargs=(os.getpid(),))
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        yield pool
    except BaseException:
        CANCEL.set()
        pool.shutdown(wait=processes, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


MIN_SPLIT_CHARS = 200


@dataclass
class _Outcome:
    index: int
    parsed: Labels | None
    usage: Usage
    error: str | None = None
    allowed: frozenset[int] = frozenset()


def split_in_half(sentences: tuple[Sentence, ...]) -> tuple[tuple[Sentence, ...], tuple[Sentence, ...]]:
    """Cut between sentences near the middle of the text, never right after a heading (a heading
    alone, or a heading cut off from what it heads, tells the model nothing)."""
    total = sum(len(s.text) for s in sentences)
    best, best_gap, running = 1, None, 0
    for i in range(1, len(sentences)):
        running += len(sentences[i - 1].text)
        if sentences[i - 1].heading:
            continue
        gap = abs(running - total / 2)
        if best_gap is None or gap < best_gap:
            best, best_gap = i, gap
    return sentences[:best], sentences[best:]


def _combine(parts: list[Labels]) -> Labels:
    return Labels(f=[f for part in parts for f in part.f])


_CLIENTS: dict[str, LLMClient] = {}
_CLIENTS_LOCK = threading.Lock()


def shared_client(settings: Settings) -> LLMClient:
    """One client per endpoint configuration for the whole process: building one costs ~20 ms of
    CPU (TLS context, instructor patching), and chunk workers used to race to build their own."""
    secret = settings.api_key.get_secret_value() if settings.api_key else ""
    key = settings.model_dump_json() + hashlib.sha256(secret.encode()).hexdigest()
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = LLMClient(settings)
        return client


class Extractor:
    """Runs the chunks of one report through the cache and, where needed, the endpoint."""

    def __init__(self, settings: Settings, outline: Outline, *, client: LLMClient | None = None) -> None:
        self.settings = settings
        self.outline = outline
        self.model = Labels  # the same for every rubric: the dimension ids are in the prompt
        self.schema = schema_digest(self.model)
        self.cache = Cache(settings.cache_dir) if settings.cache != "off" else None
        self._client = client
        self.mode = settings.resolved_mode()

    @property
    def client(self) -> LLMClient:
        if self._client is None:
            self._client = shared_client(self.settings)
        return self._client

    def _request(self, messages: list[dict[str, str]], model: type[BaseModel]) -> dict[str, Any]:
        return request_for(
            model=self.settings.model,
            endpoint=self.settings.endpoint,
            mode=self.mode,
            messages=messages,
            schema=schema_digest(model) if model is not self.model else self.schema,
            params={"temperature": 0, "max_tokens": self.settings.max_tokens},
            prompt_version=prompt_version(),
        )

    def ask(
        self, messages: list[dict[str, str]], model: type[BaseModel], context: dict[str, Any] | None = None
    ) -> tuple[BaseModel, Usage]:
        """One structured answer: from the cache, else from the endpoint (then cached at once).

        Raises Truncated (the caller decides what to do) or ChunkFailed.
        """
        request = self._request(messages, model)
        key = cache_key(request)
        policy = self.settings.cache
        if self.cache is not None and policy in ("use", "replay"):
            hit = self.cache.get(key, request, model)
            if hit is not None:
                return hit.parsed, Usage(cache_hits=1)
        if policy == "replay":
            raise ChunkFailed("not in the cache (--cache replay makes no network call)")
        if CANCEL.is_set():
            raise ChunkFailed("cancelled (interrupted before this call started)")
        parsed, record = self.client.extract(messages, model, context)
        if self.cache is not None:  # an answer that comes after Ctrl-C is abandoned, never cached
            cache, recorded = self.cache, self._recorded_with()
            usage = record.usage.model_dump()
            commit(lambda: cache.put(key, request, parsed, record.completions, usage, recorded))
        return parsed, record.usage

    def run_text(self, chunk: Chunk, sentences: tuple[Sentence, ...], depth: int = 0) -> tuple[Labels, Usage]:
        """Label some sentences; on truncation, label each half (split near the middle)."""
        messages = messages_for(sentences, chunk.title, self.outline)
        try:
            parsed, usage = self.ask(messages, self.model, {"allowed": frozenset(s.index for s in sentences)})
            return parsed, usage  # type: ignore[return-value]
        except Truncated as truncated:
            usage = truncated.usage
            chars = sum(len(s.text) for s in sentences)
            if depth >= MAX_SPLIT_DEPTH or len(sentences) < 2 or chars < MIN_SPLIT_CHARS:
                reason = "answer truncated at max_tokens even after splitting the chunk"
                raise ChunkFailed(reason, usage) from None
        parts = []
        for half in split_in_half(sentences):
            try:
                part, part_usage = self.run_text(chunk, half, depth + 1)
            except ChunkFailed as failed:
                raise ChunkFailed(str(failed), usage.add(failed.usage)) from None
            parts.append(part)
            usage = usage.add(part_usage)
        combined = _combine(parts)
        if self.cache is not None:
            # Store the assembled answer under the whole chunk's key too, so a re-run is free;
            # it says so, and holds no completion of its own (the halves' entries have them).
            request = self._request(messages, self.model)
            assembled = {**self._recorded_with(), "assembled_from": "two halves after finish_reason=length"}
            cache, spent = self.cache, usage.model_dump()
            commit(lambda: cache.put(cache_key(request), request, combined, [], spent, assembled))
        return combined, usage

    def _recorded_with(self) -> dict[str, Any]:
        return {"model": self.settings.model, "endpoint": self.settings.endpoint, "mode": self.mode}

    def run_chunk(self, doc: Document, chunk: Chunk) -> _Outcome:
        if CANCEL.is_set():
            return _Outcome(chunk.index, None, Usage(), "cancelled (interrupted before this chunk started)")
        sentences = sentences_in(doc, chunk.start, chunk.end)
        if not sentences:
            return _Outcome(chunk.index, Labels(), Usage(), allowed=frozenset())
        try:
            parsed, usage = self.run_text(chunk, sentences)
            return _Outcome(chunk.index, parsed, usage, allowed=frozenset(s.index for s in sentences))
        except ChunkFailed as exc:
            return _Outcome(chunk.index, None, exc.usage, redact(str(exc), self.settings))
        except ConfigError:
            raise
        except Exception as exc:  # a failure in one chunk must never lose the others
            return _Outcome(chunk.index, None, Usage(), redact(f"{type(exc).__name__}: {exc}", self.settings))

    def extract(
        self, doc: Document, on_progress: Callable[[int, int], None] | None = None
    ) -> ReportExtraction:
        """All chunks of a report; failed chunks are named in the result, never raised."""
        require_endpoint(self.settings)
        outcomes: dict[int, _Outcome] = {}
        workers = max(1, min(self.settings.max_concurrency, len(doc.chunks) or 1))
        with cancellable_pool(workers, "scorer-chunk") as pool:
            futures = [pool.submit(self.run_chunk, doc, chunk) for chunk in doc.chunks]
            for done, future in enumerate(as_completed(futures), 1):
                outcome = future.result()
                outcomes[outcome.index] = outcome
                if on_progress:
                    on_progress(done, len(futures))
        usage = Usage()
        for outcome in outcomes.values():
            usage = usage.add(outcome.usage)
        results = {i: (o.parsed.f, o.allowed) for i, o in outcomes.items() if o.parsed is not None}
        merged = merge_labels(
            doc,
            self.outline,
            results,
            backend="llm",
            model=self.settings.model,
            endpoint=self.settings.endpoint,
            prompt_version=prompt_version(),
        )
        merged.usage = usage
        merged.chunks = len(doc.chunks)
        merged.cache_dir = shown_path(self.settings.cache_dir) if self.cache is not None else None
        merged.failed_chunks = [
            FailedChunk(chunk=i, title=doc.chunks[i].title, reason=o.error or "unknown")
            for i, o in sorted(outcomes.items())
            if o.parsed is None
        ]
        return merged


def require_success(result: ReportExtraction, source: str) -> ReportExtraction:
    """Raise ExtractionFailed when every chunk failed: an empty extraction must never become a score.

    The message names the distinct reasons in chunk order (identical ones once).
    """
    failed = result.failed_chunks
    if not result.chunks or len(failed) < result.chunks:
        return result
    reasons = list(dict.fromkeys(f.reason for f in failed))
    shown = "; ".join(reasons[:3]) + ("; …" if len(reasons) > 3 else "")
    raise ExtractionFailed(f"{source}: {shown}")
