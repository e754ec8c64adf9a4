"""One structured call to any OpenAI-compatible endpoint, through openai + instructor.

Network faults are retried here with tenacity (honouring Retry-After); invalid answers are
re-asked by instructor a bounded number of times. openai and instructor are imported only
when a call is made, so the CLI starts fast.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from scorer.cache import default_cache_dir
from scorer.errors import CANCEL, ConfigError, UsageError
from scorer.schema import Usage

Mode = Literal["auto", "tools", "json", "json_schema", "md_json"]
CachePolicy = Literal["use", "refresh", "off", "replay"]
_THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL)


class Settings(BaseModel):
    """Where and how to call the model. Resolved from flags > env > config file > defaults."""

    base_url: str = "https://api.openai.com/v1"
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    mode: Mode = "auto"
    max_tokens: int = 4096
    timeout: float = 120.0
    max_concurrency: int = 4
    network_retries: int = 5
    validation_retries: int = 2
    max_wait: float = 60.0
    cache_dir: Path = Field(default_factory=default_cache_dir)
    cache: CachePolicy = "use"
    # Set by resolve_settings: a base URL or a key was given (a key alone means OpenAI's endpoint),
    # and a model was named. Without an endpoint no call is ever made to the default base_url.
    endpoint_configured: bool = False
    model_chosen: bool = False

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL with a host: {url!r}")
        return url

    @property
    def endpoint(self) -> str:
        """Host and path of the endpoint: what a cache key may know about where a call went."""
        parts = urlsplit(self.base_url)
        return f"{parts.netloc}{parts.path}".rstrip("/")

    def resolved_mode(self) -> str:
        return resolve_mode(self.mode, self.base_url)


_ENV = {
    "OPENAI_API_KEY": "api_key",
    "OPENAI_BASE_URL": "base_url",
    "SCORER_MODEL": "model",
    "SCORER_MODE": "mode",
    "SCORER_CACHE_DIR": "cache_dir",
    "SCORER_CACHE": "cache",
    "SCORER_MAX_CONCURRENCY": "max_concurrency",
}


def _config_file(path: Path | None, env: Mapping[str, str]) -> dict[str, Any]:
    candidate = path or (Path(env["SCORER_CONFIG"]) if env.get("SCORER_CONFIG") else Path("scorer.toml"))
    if not candidate.exists():
        if path is not None:
            raise ConfigError(f"{path}: config file not found")
        return {}
    try:
        data = tomllib.loads(candidate.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{candidate}: not valid TOML ({exc})") from None
    llm = data.get("llm", data)
    unknown = set(llm) - set(Settings.model_fields) - {"llm"}
    if unknown:
        raise ConfigError(f"{candidate}: unknown settings {sorted(unknown)}")
    return {k: v for k, v in llm.items() if k in Settings.model_fields}


def resolve_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config: Path | None = None,
) -> Settings:
    """Merge settings: CLI flags > environment > config file > defaults.

    A bad flag is a usage error (exit 2); a bad value from the environment or the file is a
    configuration error (exit 3).
    """
    env = os.environ if env is None else env
    given_flags = {name: value for name, value in (flags or {}).items() if value is not None}
    _check_flags(given_flags)
    sources = [
        _config_file(config, env),
        {name: env[var] for var, name in _ENV.items() if env.get(var)},
        given_flags,
    ]
    merged: dict[str, Any] = {}
    for source in sources:
        merged.update(source)
    given = {name for source in sources for name, value in source.items() if value not in (None, "")}
    merged["endpoint_configured"] = bool({"base_url", "api_key"} & given)
    merged["model_chosen"] = "model" in given
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"setting {'.'.join(map(str, first['loc']))}: {_msg(first)}") from None


def _msg(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _check_flags(flags: Mapping[str, Any]) -> None:
    """Each flag on its own against the settings' types, so a bad one is named as the flag it is."""
    try:
        Settings.model_validate(flags)
    except ValidationError as exc:
        first = exc.errors()[0]
        flag = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "option"
        raise UsageError(f"{flag}: {_msg(first)}") from None


NO_ENDPOINT = (
    "no LLM endpoint configured: give --base-url (or OPENAI_BASE_URL) and, if it needs one, "
    "OPENAI_API_KEY; or use --backend rules (--cache replay needs no endpoint)"
)


def require_endpoint(settings: Settings) -> None:
    """Refuse LLM work with no endpoint configured, before any call: the default base URL is never
    called on the user's behalf (with no key it only answers 401, after retries)."""
    if not settings.endpoint_configured and settings.cache != "replay":
        raise UsageError(NO_ENDPOINT)


def resolve_mode(mode: str, base_url: str) -> str:
    """`auto`: TOOLS for OpenAI/DeepSeek/DashScope, JSON_SCHEMA for vLLM/Ollama, JSON for local servers.

    llama.cpp's server rejects `json_schema` with HTTP 500, so unknown local servers get JSON.
    """
    if mode != "auto":
        return mode
    parts = urlsplit(base_url)
    host, port = (parts.hostname or "").lower(), parts.port
    if any(name in host for name in ("openai.com", "deepseek.com", "dashscope", "aliyuncs.com")):
        return "tools"
    if port == 11434 or "ollama" in host or port == 8000 or "vllm" in host:
        return "json_schema"
    if host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.startswith("127."):
        return "json"
    return "tools"


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
