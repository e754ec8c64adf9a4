"""One structured call to any OpenAI-compatible endpoint, through openai + instructor.

Network faults are retried here with tenacity (honouring Retry-After); invalid answers are
re-asked by instructor a bounded number of times. openai and instructor are imported only
when a call is made, so the CLI starts fast.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from scorer.errors import CANCEL
from scorer.schema import Usage

# Settings live in scorer/settings.py; callers import them from here too.
from scorer.settings import (  # noqa: F401
    NO_ENDPOINT,
    CachePolicy,
    Mode,
    Settings,
    require_endpoint,
    resolve_mode,
    resolve_settings,
)

_THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL)


class _Spent(Exception):
    """A call that did not give an answer may still have cost tokens; they travel with the error."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class Truncated(_Spent):
    """The answer hit max_tokens (finish_reason length): split the chunk instead of asking again."""


class ChunkFailed(_Spent):
    """A chunk could not be extracted after all retries; the reason is fit for a user."""


class _EmptyChoices(Exception):
    """A 200 answer without choices: transient, retried like a 5xx."""


@dataclass
class CallRecord:
    """Everything one logical call sent and received, retries and re-asks included."""

    completions: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


def strip_think(text: str) -> str:
    """Drop `<think>…</think>` blocks that reasoning models put before the JSON."""
    return _THINK.sub("", text).strip() if "<think>" in text else text


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if hasattr(headers, "get") else None
        if value:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                return None
    return None


class LLMClient:
    """A thread-safe structured-output client for one endpoint and model."""

    def __init__(self, settings: Settings) -> None:
        import instructor
        import openai

        # instructor logs every failed attempt at ERROR; the scorer reports failures itself.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
        self.settings = settings
        self._openai = openai
        self._local = threading.local()
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        client = openai.OpenAI(
            base_url=settings.base_url, api_key=key, max_retries=0, timeout=settings.timeout
        )
        original = client.chat.completions.create
        client.chat.completions.create = self._wrap(original)  # type: ignore[method-assign]
        modes = {
            "tools": instructor.Mode.TOOLS,
            "json": instructor.Mode.JSON,
            "json_schema": instructor.Mode.JSON_SCHEMA,
            "md_json": instructor.Mode.MD_JSON,
        }
        self.mode = settings.resolved_mode()
        self._instructor = instructor.from_openai(client, mode=modes[self.mode])

    def _transient(self, exc: BaseException) -> bool:
        o = self._openai
        if isinstance(exc, _EmptyChoices | o.RateLimitError | o.APIConnectionError | o.InternalServerError):
            return True
        return isinstance(exc, o.APIStatusError) and exc.status_code >= 500

    def _wait(self, retry_state: Any) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        hinted = _retry_after(exc) if exc else None
        if hinted is not None:
            return min(hinted, self.settings.max_wait)
        backoff = min(self.settings.max_wait, 0.5 * 2 ** (retry_state.attempt_number - 1))
        return backoff * (0.5 + random.random() / 2)

    def _wrap(self, create: Any) -> Any:
        import tenacity

        # Once the run is cancelled (Ctrl-C), no retry starts and no backoff is slept out.
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._transient),
            wait=self._wait,
            stop=tenacity.stop_after_attempt(self.settings.network_retries + 1)
            | tenacity.stop_when_event_set(CANCEL),
            sleep=CANCEL.wait,
            reraise=True,
        )

        def one_call(*args: Any, **kwargs: Any) -> Any:
            record: CallRecord = self._local.record
            kwargs["messages"] = [_without_schema_block(m) for m in kwargs.get("messages", [])]
            chars = sum(len(str(m.get("content") or "")) for m in kwargs.get("messages", []))
            chars += len(str(kwargs.get("tools") or "")) + len(str(kwargs.get("response_format") or ""))
            record.usage = record.usage.add(Usage(calls=1, prompt_chars=chars))
            completion = create(*args, **kwargs)
            record.completions.append(completion.model_dump(mode="json"))
            if completion.usage:
                record.usage = record.usage.add(
                    Usage(
                        prompt_tokens=completion.usage.prompt_tokens or 0,
                        cached_prompt_tokens=cached_tokens(completion.usage),
                        completion_tokens=completion.usage.completion_tokens or 0,
                    )
                )
            if not completion.choices:
                raise _EmptyChoices("the endpoint answered without choices")
            choice = completion.choices[0]
            if choice.finish_reason == "length":
                raise Truncated("answer truncated at max_tokens")
            if choice.finish_reason == "content_filter":
                raise ChunkFailed("the endpoint's content filter refused the chunk")
            if choice.message.content:
                choice.message.content = strip_think(choice.message.content)
            return completion

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return retrying(one_call, *args, **kwargs)

        return wrapped

    def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[BaseModel],
        context: dict[str, Any] | None = None,
    ) -> tuple[BaseModel, CallRecord]:
        """One structured call; raises Truncated or ChunkFailed (with a reason that names no secret).

        `context` goes to the model's validators (the sentence numbers a chunk may cite). An
        answer that is still invalid after the re-asks is parsed leniently when the response model
        can (`lenient`), dropping what is invalid and keeping what is not.
        """
        record = CallRecord()
        self._local.record = record
        try:
            parsed = self._instructor.chat.completions.create(
                model=self.settings.model,
                response_model=response_model,
                messages=messages,
                max_retries=self.settings.validation_retries,
                temperature=0,
                max_tokens=self.settings.max_tokens,
                context=context,
            )
        except Exception as exc:  # instructor wraps everything; find the cause that matters
            cause = (
                _first_in_chain(exc, (Truncated, ChunkFailed, _EmptyChoices, self._openai.APIError)) or exc
            )
            if isinstance(cause, Truncated | ChunkFailed):
                raise type(cause)(str(cause), record.usage) from None
            salvaged = _salvage(record, response_model, context)
            if salvaged is not None:
                return salvaged, record
            raise ChunkFailed(self._describe(cause), record.usage) from None
        return parsed, record

    def _describe(self, cause: BaseException) -> str:
        """One line naming what went wrong and where, with the server's own words when it sent any."""
        o = self._openai
        where = public_url(self.settings.base_url)
        if isinstance(cause, o.APIStatusError):
            retried = " (after retries)" if self._transient(cause) else ""
            text = f"HTTP {cause.status_code} from {where}: {_server_message(cause)}{retried}"
        elif isinstance(cause, o.APITimeoutError):
            text = f"{where} timed out after retries"
        elif isinstance(cause, o.APIConnectionError):
            text = f"cannot reach {where} ({_connection_detail(cause)})"
        elif isinstance(cause, _EmptyChoices):
            text = f"{where} kept answering without choices"
        else:
            attempts = self.settings.validation_retries + 1
            text = f"invalid answer after {attempts} attempts: {type(cause).__name__}"
        return redact(text, self.settings)


_SCHEMA_BLOCK = re.compile(
    r"\n*\s*As a genius expert, your task is to understand the content and provide\s+"
    r"the parsed objects in json that match the following json_schema:\s*(\{.*\})\s*"
    r"Make sure to return an instance of the JSON, not the schema itself\s*",
    re.S,
)


def _without_schema_block(message: dict[str, Any]) -> dict[str, Any]:
    """instructor's JSON modes append an indented copy of the schema (and an English preamble) to
    the system message on every call. The scorer's prompts show the answer's shape themselves, in
    an example and one line per field (prompts/*.md), so the copy is not sent: it was a quarter of
    the characters of a call. The answer is still validated against the schema and re-asked."""
    content = message.get("content")
    if message.get("role") != "system" or not isinstance(content, str) or "genius expert" not in content:
        return message
    return {**message, "content": _SCHEMA_BLOCK.sub("", content)}


def cached_tokens(usage: Any) -> int:
    """Prompt tokens the provider served from its cache, where it reports them."""
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    if cached is None:
        extra = getattr(usage, "model_extra", None) or {}
        cached = extra.get("prompt_cache_hit_tokens")
    return int(cached or 0)


def _salvage(record: CallRecord, model: type[BaseModel], context: dict[str, Any] | None) -> BaseModel | None:
    """The last answer, parsed by the model's `lenient` classmethod if it has one."""
    lenient = getattr(model, "lenient", None)
    if lenient is None or not record.completions:
        return None
    choices = record.completions[-1].get("choices") or []
    content = (choices[0].get("message") or {}).get("content") if choices else None
    return lenient(strip_think(content), context or {}) if content else None


def public_url(url: str) -> str:
    """The endpoint as it may appear in a message: no user:password@, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{netloc}{parts.path}".rstrip("/")


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(exc: Any) -> str:
    """The error message the server sent (OpenAI-style body, else the raw body), else the status."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        body = body.get("message") or body.get("detail") or body.get("error") or body
    if not body:
        response = getattr(exc, "response", None)
        body = getattr(response, "text", "") or getattr(response, "reason_phrase", "")
    return _one_line(str(body)) or "no message"


def _connection_detail(exc: BaseException) -> str:
    """The innermost cause of a connection failure, e.g. `connection refused`."""
    inner: BaseException = exc
    seen = {id(exc)}
    while (nxt := inner.__cause__ or inner.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        inner = nxt
    if isinstance(inner, OSError) and inner.strerror:
        text = inner.strerror
    else:
        text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(inner)) or type(inner).__name__
    return _one_line(text[:1].lower() + text[1:])


def _first_in_chain(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first exception of `kinds` among exc, its causes and contexts (instructor wraps errors)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kinds):
            return current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return None


def redact(text: str, settings: Settings) -> str:
    """Never let the API key into a message, a log line or a file."""
    if settings.api_key:
        secret = settings.api_key.get_secret_value()
        if secret:
            text = text.replace(secret, "***")
    return text
