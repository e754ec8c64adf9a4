"""Where and how to call the model: settings from flags > environment > config file > defaults.

Also the one rule about endpoints: LLM work needs one the user configured (a base URL, or a key
for OpenAI's); the default base URL is never called on anyone's behalf.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator

from scorer.cache import default_cache_dir
from scorer.errors import ConfigError, UsageError

Mode = Literal["auto", "tools", "json", "json_schema", "md_json"]
CachePolicy = Literal["use", "refresh", "off", "replay"]


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
