"""Rubric files (`rubrics/*.toml`): the outline's dimensions, their keywords, and how they are scored.

Loaded with tomllib and validated by pydantic, so a malformed file is an error that names the
file and the field, not a crash halfway through a batch.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scorer.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """A sub-item of a dimension, recognised by its keywords."""

    id: str
    name: str
    keywords: tuple[str, ...] = Field(min_length=1)


class Dimension(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    scope: str
    items: tuple[Item, ...] = Field(min_length=1)
    weight: float = Field(default=10.0, gt=0)

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(k for item in self.items for k in item.keywords)


class Scoring(_Strict):
    """How dimension points are earned; shares of a dimension's points must add up to 1."""

    dimension_points: float = Field(default=80, ge=0)
    presence: float = Field(default=0.2, ge=0, le=1)
    breadth: float = Field(default=0.3, ge=0, le=1)
    quantification: float = Field(default=0.3, ge=0, le=1)
    depth: float = Field(default=0.2, ge=0, le=1)
    breadth_target: int = Field(default=3, ge=1)
    figure_target: int = Field(default=3, ge=1)
    depth_half: float = Field(default=4, gt=0)
    fuzzy_credit: float = Field(default=0.8, ge=0, le=1)
    min_measures: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _shares(self) -> Scoring:
        if abs(self.presence + self.breadth + self.quantification + self.depth - 1) > 1e-9:
            raise ValueError("presence + breadth + quantification + depth must be 1")
        return self


class Matching(_Strict):
    """How keywords match: a keyword followed by one of `name_suffixes` within `name_reach`
    characters of the same run (no punctuation between) is inside a proper name and ignored."""

    name_suffixes: tuple[str, ...] = ()
    name_reach: int = Field(default=10, ge=1)


class CapRule(_Strict):
    missing: int = Field(ge=1)
    best: str


class Caps(_Strict):
    """The best grade a report may get when contents the 2019 规定 requires are missing."""

    contents: tuple[str, ...] = ()
    rules: tuple[CapRule, ...] = ()


REQUIRED_IDS = ("measures", "shortcomings", "causes", "leader_duties", "plans", "published_on_time")


class Required(_Strict):
    """A report-level check from the 2019 督察工作规定 (or timeliness)."""

    id: str
    name: str
    points: float = Field(ge=0)
    cues: tuple[str, ...] = ()
    # A cue counts only when the same sentence also has one of these (一把手 must be about 法治).
    context: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _known(self) -> Required:
        if self.id not in REQUIRED_IDS:
            raise ValueError(f"unknown check {self.id!r}; known: {', '.join(REQUIRED_IDS)}")
        return self


class Grade(_Strict):
    min: float
    grade: str


class Outline(_Strict):
    """One rubric: an Implementation Outline's dimensions plus its scoring rules."""

    id: str
    name: str
    years: tuple[int, int]
    overlap: str
    overlap_brief: str = ""
    dimensions: tuple[Dimension, ...] = Field(min_length=1)
    scoring: Scoring = Scoring()
    matching: Matching = Matching()
    precedence: tuple[str, ...] = ()
    required: tuple[Required, ...] = ()
    caps: Caps = Caps()
    grades: tuple[Grade, ...] = (Grade(min=0, grade="—"),)
    sha256: str = ""
    path: str = ""

    @model_validator(mode="after")
    def _unique_ids(self) -> Outline:
        ids = [d.id for d in self.dimensions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate dimension ids: {sorted({i for i in ids if ids.count(i) > 1})}")
        unknown = set(self.precedence) - set(ids)
        if unknown:
            raise ValueError(f"precedence names unknown dimensions: {sorted(unknown)}")
        reserved = {"shortcomings", "plans", "leader_duties"}
        if reserved & set(ids):
            raise ValueError(f"dimension ids may not be {sorted(reserved)}")
        return self

    @property
    def max_total(self) -> float:
        return self.scoring.dimension_points + sum(r.points for r in self.required)

    def grade_for(self, total: float) -> str:
        for band in sorted(self.grades, key=lambda g: g.min, reverse=True):
            if total >= band.min:
                return band.grade
        return self.grades[-1].grade

    def cues(self, check_id: str) -> tuple[str, ...]:
        return next((r.cues for r in self.required if r.id == check_id), ())

    def check(self, check_id: str) -> Required | None:
        return next((r for r in self.required if r.id == check_id), None)

    def grade_rank(self, grade: str) -> int:
        """0 for the best grade, 1 for the next …"""
        ordered = [g.grade for g in sorted(self.grades, key=lambda g: g.min, reverse=True)]
        return ordered.index(grade) if grade in ordered else len(ordered)

    def capped_grade(self, grade: str, missing: int) -> tuple[str, CapRule | None]:
        """The grade after the caps for `missing` required contents, and the cap that applied."""
        rules = [r for r in self.caps.rules if missing >= r.missing]
        if not rules:
            return grade, None
        cap = max(rules, key=lambda r: r.missing)
        if self.grade_rank(cap.best) > self.grade_rank(grade):
            return cap.best, cap
        return grade, None

    def dimension(self, dim_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dim_id)


def data_dir(name: str) -> Path:
    """`rubrics/`, `prompts/` or `templates/`: the copy inside an installed package (scorer/_NAME),
    else the top-level folder of a checkout (editable installs and the repository itself)."""
    packaged = Path(__file__).resolve().parent / f"_{name}"
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


def rubrics_dir() -> Path:
    return Path(os.environ.get("SCORER_RUBRICS_DIR") or data_dir("rubrics"))


def _format_error(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}: field {loc}: {first['msg']}{more}"


def parse_outline(data: bytes, path: Path) -> Outline:
    """Validate rubric bytes; errors name the file and the field."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    raw["sha256"] = hashlib.sha256(data).hexdigest()
    raw["path"] = str(path)
    try:
        return Outline.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_error(path, exc)) from None


@cache
def load_outline(id_or_path: str) -> Outline:
    """Load a rubric by id (`outline-2015`) or by path to a .toml file."""
    path = Path(id_or_path)
    if path.suffix != ".toml" or not path.exists():
        path = rubrics_dir() / f"{id_or_path}.toml"
    if not path.exists():
        known = ", ".join(list_outlines()) or "none"
        raise ConfigError(f"no rubric {id_or_path!r} (known: {known})")
    return parse_outline(path.read_bytes(), path)


def list_outlines() -> list[str]:
    return sorted(p.stem for p in rubrics_dir().glob("*.toml"))


def outline_for_year(year: int | None) -> str:
    """The outline in force for the year reported on: ≤ 2020 → 2015–2020, ≥ 2021 → 2021–2025."""
    return "outline-2021" if year is not None and year >= 2021 else "outline-2015"
