"""Errors that the CLI turns into one line on stderr and a documented exit code."""

from __future__ import annotations

import threading

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_BAD_INPUT = 2
EXIT_CONFIG = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# Set on Ctrl-C / SIGTERM: nothing new starts and nothing more is written (scorer/interrupt.py).
CANCEL = threading.Event()


class ScorerError(Exception):
    """An expected failure with a message fit for a user and an exit code."""

    exit_code: int = EXIT_BAD_INPUT

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(ScorerError):
    """The input file cannot be read as a report (empty, binary, missing, ...)."""

    exit_code = EXIT_BAD_INPUT


class UsageError(ScorerError):
    """A command asked for something its options cannot give (e.g. the LLM with no endpoint)."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(ScorerError):
    """Settings, rubric or endpoint configuration is wrong or unreachable."""

    exit_code = EXIT_CONFIG


class ExtractionFailed(ConfigError):
    """Every chunk of a report failed: there is nothing to score, so no memo and no grade."""
