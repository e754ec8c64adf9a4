"""Ctrl-C and SIGTERM: stop within a moment, keep what is finished, write nothing half-done.

A worker thread blocked reading an HTTP answer cannot be interrupted, and the interpreter joins
pool threads before it exits, so waiting for the calls in flight took as long as the slowest
answer (44–80 s measured against a local model), and a second Ctrl-C was ignored meanwhile.
Instead: the first signal marks the run cancelled (`CANCEL`) and raises KeyboardInterrupt in the
main thread; results reach disk only through `commit`, which writes nothing once the run is
cancelled; and the CLI then waits only for a write already under way before ending the process
with `os._exit`, abandoning the calls in flight (their answers are never cached). A second
signal ends the process at once.

Worker processes (the rules backend's pool) ignore Ctrl-C, which the parent handles, and end as
soon as the parent does (after a write under way): otherwise they wait forever on a queue whose
other writers are their siblings, holding the terminal's pipes open.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from scorer.errors import CANCEL, EXIT_INTERRUPTED

INTERRUPTED = "scorer: interrupted; finished work is kept (outputs and cache), re-run to resume\n"
WRITE_GRACE = 1.0  # seconds to wait for a write under way (atomic writes take milliseconds)

_WRITING = threading.Lock()
_state = {"installed": False, "announced": False, "main_committing": False, "child": False}


def commit(write: Callable[[], None]) -> bool:
    """Run `write` (a result's files or cache entry) unless the run is cancelled; False if not run.

    An exit never cuts a commit in half: the exit waits for it, and a signal that arrives while
    the main thread commits is raised only once the commit is done.
    """
    in_main = threading.current_thread() is threading.main_thread()
    with _WRITING:
        if CANCEL.is_set():
            return False
        _state["main_committing"] = in_main
        try:
            write()
        finally:
            _state["main_committing"] = False
    if in_main and CANCEL.is_set():
        if _state["child"]:
            os._exit(EXIT_INTERRUPTED)
        raise KeyboardInterrupt
    return True


def _announce() -> None:
    if not _state["announced"]:
        _state["announced"] = True
        sys.stderr.write(INTERRUPTED)
        sys.stderr.flush()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if CANCEL.is_set():  # the second Ctrl-C: now
        _announce()
        os._exit(EXIT_INTERRUPTED)
    CANCEL.set()
    if not _state["main_committing"]:
        raise KeyboardInterrupt


def _on_parent_gone(signum: int, frame: FrameType | None) -> None:
    CANCEL.set()
    if not _state["main_committing"]:
        os._exit(EXIT_INTERRUPTED)


def child_init(parent: int) -> None:
    """Initializer of a worker process: Ctrl-C is the parent's; the parent's end is the child's.

    On Linux the kernel sends SIGTERM to the child when the parent dies (PR_SET_PDEATHSIG);
    elsewhere the parent waits for its workers on the first Ctrl-C (see extract.cancellable_pool).
    """
    _state["child"] = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_parent_gone)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(EXIT_INTERRUPTED)


def install() -> None:
    """Handle SIGINT and SIGTERM for the CLI process (a SIGINT ignored by the parent stays ignored)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    _state["installed"] = True


def exit_interrupted() -> None:
    """Say so in one line; in the CLI process, end it now (code 130) once no write is under way.

    Returns only when `install` was not called (the CLI run in-process, e.g. by a test).
    """
    CANCEL.set()
    _announce()
    if not _state["installed"]:
        return
    _WRITING.acquire(timeout=WRITE_GRACE)
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    os._exit(EXIT_INTERRUPTED)
