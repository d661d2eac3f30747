"""Turning failures caused by the user's input into one clear message instead of a traceback.

Used by the ``doover-fsm`` commands and by ``run_app`` (``python app.py ...``): a wrong
board name, a bad config file, an app file that does not compile or a closed output pipe
(``doover-fsm ... | head``) end the process with one message naming what and where, and exit
status 1 (141 for a closed pipe, as a shell reports SIGPIPE). Anything else still shows its
traceback: that is a bug to report. Stateless; thread-safe.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator

from doover_fsm.errors import DooverFSMError

__all__ = ["EXIT_BROKEN_PIPE", "USER_ERRORS", "describe", "exit_on_user_error", "in_code_of", "run_guarded"]

#: Failures that come from what the user gave (files, flags, payloads), not from a bug.
USER_ERRORS: tuple[type[BaseException], ...] = (DooverFSMError, OSError, ValueError, SyntaxError, RecursionError)
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a writer whose reader went away


def describe(exc: BaseException) -> str:
    """One message for ``exc``: where (file, line) and what, without Python internals."""
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or '<input>'}, line {exc.lineno or '?'}"
        text = (exc.text or "").rstrip("\n")
        shown = ""
        if text.strip():
            indent = len(text) - len(text.lstrip())
            caret = " " * max((exc.offset or 1) - 1 - indent, 0) + "^"
            shown = f"\n    {text.strip()}\n    {caret}"
        return f"{where}: {type(exc).__name__}: {exc.msg}{shown}"
    if isinstance(exc, UnicodeDecodeError):
        return (f"not UTF-8 text: byte 0x{exc.object[exc.start]:02x} at byte offset {exc.start} "
                f"({exc.reason}); save the file as UTF-8")
    if isinstance(exc, RecursionError):
        return "input nested too deeply to process (RecursionError); flatten it"
    if isinstance(exc, OSError) and not isinstance(exc, DooverFSMError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, DooverFSMError):  # a bare ValueError/OSError: say where it came from
        at = in_code_of(exc)
        text = f"{type(exc).__name__}: {text}" + (f" (raised at {at})" if at else "")
    return text


def in_code_of(exc: BaseException, path: str | None = None) -> str:
    """``file:line`` of the innermost frame of ``exc`` (inside ``path`` when given), or ''."""
    frames: list[traceback.FrameSummary] = list(traceback.extract_tb(exc.__traceback__))
    if path is not None:
        frames = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(path)] or frames
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def _silence_stdout() -> None:
    # The reader is gone: point stdout at /dev/null so the interpreter's final flush
    # does not print "Exception ignored ... BrokenPipeError".
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def run_guarded(prog: str, body: Callable[[], int]) -> int:
    """Run a command's ``body``; return its exit status, or 1 after printing
    ``<prog>: error: <message>`` for a user error, 130 on Ctrl-C, 141 on a closed stdout."""
    try:
        status = body()
        sys.stdout.flush()  # a closed pipe shows up here, inside the guard
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit:  # argparse's --help/--version: flush inside the guard too
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        raise
    except USER_ERRORS as exc:
        print(f"{prog}: error: {describe(exc)}", file=sys.stderr)
        return 1


@contextlib.contextmanager
def exit_on_user_error(prog: str | None = None) -> Iterator[None]:
    """Inside the block, a user error ends the process with one message (exit 1), a closed
    stdout quietly (141); for ``run_app`` and other ``python app.py`` entry points."""
    name = prog or os.path.basename(sys.argv[0] or "app")
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except USER_ERRORS as exc:
        print(f"{name}: error: {describe(exc)}", file=sys.stderr)
        raise SystemExit(1) from None
