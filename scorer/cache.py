"""A content-addressed, reviewable cache of LLM responses: one JSON file per request.

The key is the SHA-256 of the canonical request (model, endpoint host and path — never the
key —, mode, messages, schema, sampling parameters, prompt version). Files are written
atomically; an entry that is corrupt, was stored under the wrong key or no longer validates
against the current schema is reported and ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scorer import __version__
from scorer.atomic import write_text_atomic

_PROJECT = 'name = "scorer"'


def default_cache_dir(cwd: Path | None = None) -> Path:
    """`./cache` inside a checkout of this project (its recordings are committed there), else the
    user's cache directory, so an installed scorer never scatters `cache/` folders where it runs."""
    here = cwd or Path.cwd()
    project = here / "pyproject.toml"
    try:
        if project.is_file() and _PROJECT in project.read_text("utf-8"):
            return here / "cache"
    except (OSError, UnicodeDecodeError):
        pass
    import platformdirs  # imported here: only a run outside a checkout needs it

    return Path(platformdirs.user_cache_dir("scorer", appauthor=False))


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@cache
def schema_digest(model: type[BaseModel]) -> str:
    return hashlib.sha256(canonical_json(model.model_json_schema()).encode()).hexdigest()


def request_for(
    *,
    model: str,
    endpoint: str,
    mode: str,
    messages: list[dict[str, str]],
    schema: str,
    params: dict[str, Any],
    prompt_version: str,
) -> dict[str, Any]:
    """The request a cache key is computed from; it holds no secret."""
    return {
        "model": model,
        "endpoint": endpoint,
        "mode": mode,
        "messages": messages,
        "schema_sha256": schema,
        "params": params,
        "prompt_version": prompt_version,
    }


def cache_key(request: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


def shown_path(path: Path) -> str:
    """A cache directory as the memo shows it: relative to the working directory, or `~/…`."""
    p = path.resolve()
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        if p.is_relative_to(base):
            return prefix + (str(p.relative_to(base)) or ".")
    return str(p)


@dataclass
class CacheHit:
    parsed: BaseModel
    usage: dict[str, Any]


@dataclass
class Cache:
    """Read and write entries under `root`; `problems` collects what was found wrong."""

    root: Path
    problems: list[str] = field(default_factory=list)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, request: dict[str, Any], model: type[BaseModel]) -> CacheHit | None:
        path = self.path(key)
        if not path.exists():
            return None
        try:
            entry = json.loads(path.read_text("utf-8"))
            if entry.get("key") != key or cache_key(entry["request"]) != key or entry["request"] != request:
                self.problems.append(f"{path}: request does not match its key; ignored")
                return None
            parsed = model.model_validate(entry["parsed"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            reason = "no longer matches the schema" if isinstance(exc, ValidationError) else "corrupt"
            self.problems.append(f"{path}: {reason}; ignored and re-fetched")
            return None
        return CacheHit(parsed=parsed, usage=entry.get("usage", {}))

    def put(
        self,
        key: str,
        request: dict[str, Any],
        parsed: BaseModel,
        completions: list[dict[str, Any]],
        usage: dict[str, Any],
        recorded_with: dict[str, Any],
    ) -> Path:
        path = self.path(key)
        entry = {
            "key": key,
            "recorded": {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "by": f"scorer {__version__}",
                **recorded_with,
            },
            "request": request,
            "parsed": parsed.model_dump(mode="json"),
            "usage": usage,
            "completions": completions,
        }
        write_text_atomic(path, json.dumps(entry, ensure_ascii=False, indent=1) + "\n")
        return path
