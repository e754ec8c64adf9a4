"""LLM extraction of a whole report: chunks in parallel, cached, retried, merged.

One chunk failing never loses the others: every chunk that succeeds is cached at once, and
a failed chunk is named with its reason in the result.
"""

from __future__ import annotations

import hashlib
import re
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from scorer.cache import Cache, cache_key, request_for, schema_digest
from scorer.chunking import Chunk
from scorer.errors import CANCEL, ConfigError, ExtractionFailed
from scorer.llm import ChunkFailed, LLMClient, Settings, Truncated, redact
from scorer.outline import Outline
from scorer.pipeline import Document
from scorer.prompts import messages_for, prompt_version
from scorer.schema import FailedChunk, ReportExtraction, Usage, chunk_model, merge_chunks

MAX_SPLIT_DEPTH = 2
NO_ENDPOINT = "no endpoint configured: set OPENAI_BASE_URL or use --backend rules"


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the parent, which cancels and waits for them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def cancellable_pool(workers: int, name: str, *, processes: bool = False) -> Iterator[Executor]:
    """A pool that, on Ctrl-C, cancels what has not started and lets running work finish.

    Threads suit waiting on an endpoint; processes suit CPU-bound work (the rules backend),
    which threads cannot spread over cores.
    """
    pool: Executor
    if processes:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
    try:
        yield pool
    except BaseException:
        CANCEL.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


MIN_SPLIT_CHARS = 200


@dataclass
class _Outcome:
    index: int
    parsed: BaseModel | None
    usage: Usage
    error: str | None = None


def split_in_half(text: str) -> tuple[str, str]:
    """Cut near the middle at a paragraph, else sentence, else anywhere."""
    middle = len(text) // 2
    for boundary in (r"\n", r"[。！？；]"):
        cuts = [m.end() for m in re.finditer(boundary, text) if 0 < m.end() < len(text)]
        if cuts:
            cut = min(cuts, key=lambda c: abs(c - middle))
            return text[:cut], text[cut:]
    return text[:middle], text[middle:]


def _combine(model: type[BaseModel], parts: list[BaseModel]) -> BaseModel:
    fields = {name: [item for part in parts for item in getattr(part, name)] for name in model.model_fields}
    return model(**fields)


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
        self.model = chunk_model(outline)
        self.schema = schema_digest(self.model)
        self.cache = Cache(settings.cache_dir) if settings.cache != "off" else None
        self._client = client
        self.mode = settings.resolved_mode()

    @property
    def client(self) -> LLMClient:
        if self._client is None:
            self._client = shared_client(self.settings)
        return self._client

    def _request(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return request_for(
            model=self.settings.model,
            endpoint=self.settings.endpoint,
            mode=self.mode,
            messages=messages,
            schema=self.schema,
            params={"temperature": 0, "max_tokens": self.settings.max_tokens},
            prompt_version=prompt_version(),
        )

    def run_text(self, doc: Document, chunk: Chunk, text: str, depth: int = 0) -> tuple[BaseModel, Usage]:
        """Extract one piece of text: cache first, then the endpoint; halves on truncation."""
        messages = messages_for(text, chunk, len(doc.chunks), doc.metadata, self.outline)
        request = self._request(messages)
        key = cache_key(request)
        policy = self.settings.cache
        if self.cache is not None and policy in ("use", "replay"):
            hit = self.cache.get(key, request, self.model)
            if hit is not None:
                return hit.parsed, Usage(cache_hits=1)
        if policy == "replay":
            raise ChunkFailed("not in the cache (--cache replay makes no network call)")
        try:
            parsed, record = self.client.extract(messages, self.model)
        except Truncated as truncated:
            usage = truncated.usage
            if depth >= MAX_SPLIT_DEPTH or len(text) < MIN_SPLIT_CHARS:
                reason = "answer truncated at max_tokens even after splitting the chunk"
                raise ChunkFailed(reason, usage) from None
            parts = []
            for half in split_in_half(text):
                try:
                    part, part_usage = self.run_text(doc, chunk, half, depth + 1)
                except ChunkFailed as failed:
                    raise ChunkFailed(str(failed), usage.add(failed.usage)) from None
                parts.append(part)
                usage = usage.add(part_usage)
            combined = _combine(self.model, parts)
            if self.cache is not None:
                # Store the assembled answer under the whole chunk's key too, so a re-run is free;
                # it says so, and holds no completion of its own (the halves' entries have them).
                self.cache.put(
                    key,
                    request,
                    combined,
                    [],
                    usage.model_dump(),
                    {**self._recorded_with(), "assembled_from": "two halves after finish_reason=length"},
                )
            return combined, usage
        if self.cache is not None:
            self.cache.put(
                key,
                request,
                parsed,
                record.completions,
                record.usage.model_dump(),
                self._recorded_with(),
            )
        return parsed, record.usage

    def _recorded_with(self) -> dict[str, Any]:
        return {"model": self.settings.model, "endpoint": self.settings.endpoint, "mode": self.mode}

    def run_chunk(self, doc: Document, chunk: Chunk) -> _Outcome:
        if CANCEL.is_set():
            return _Outcome(chunk.index, None, Usage(), "cancelled (interrupted before this chunk started)")
        try:
            parsed, usage = self.run_text(doc, chunk, chunk.text_of(doc.text))
            return _Outcome(chunk.index, parsed, usage)
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
        if not self.settings.endpoint_configured and self.settings.cache != "replay":
            # Without this, the default endpoint is called with no key: a 401 per chunk.
            raise ConfigError(f"{doc.raw.source}: {NO_ENDPOINT}")
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
        results = {i: o.parsed for i, o in outcomes.items() if o.parsed is not None}
        merged = merge_chunks(
            self.outline,
            results,  # type: ignore[arg-type]
            backend="llm",
            model=self.settings.model,
            endpoint=self.settings.endpoint,
            prompt_version=prompt_version(),
        )
        merged.usage = usage
        merged.chunks = len(doc.chunks)
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
