"""What the command line does when the run around the data goes wrong: signals,
a full disk, a reader that went away, a terminal where data was expected.

Every output file is written through ``AtomicOutput``, which removes its
temporary file on any exception; the handlers here turn SIGTERM (and SIGHUP)
into an exception too, so an interrupted run leaves no partial output, and
the exit status says which signal ended it (128 + its number, as shells do).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from contextlib import contextmanager
from types import FrameType
from typing import Iterator

from .report import warn


class Terminated(BaseException):
    """A termination signal arrived; raised in the main thread so cleanups run.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    on the way mistakes it for a failure of one file and goes on to the next.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextmanager
def signals_end_cleanly() -> Iterator[None]:
    """Within this block SIGTERM and SIGHUP raise ``Terminated`` (SIGINT raises
    KeyboardInterrupt already); the previous handlers come back after."""
    wanted = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _raise_terminated) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def exit_status_for(exc: BaseException) -> int:
    """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM."""
    if isinstance(exc, Terminated):
        return 128 + exc.signum
    return 128 + signal.SIGINT


def stdin_is_console(name: str, action: str) -> bool:
    """Refuse to wait for compressed data typed at a terminal (as zstd does)."""
    return name == "-" and action in ("decompress", "verify") and sys.stdin.isatty()


def disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def report_disk_full(name: str, exc: OSError) -> None:
    where = f" writing {exc.filename}" if exc.filename else ""
    warn(f"{name}: no space left on the device{where}; no output was kept, and the input is untouched")


def silence_broken_pipe() -> None:
    """The reader went away (e.g. ``| head``): stop quietly, as cat does.

    Standard output is pointed at /dev/null so that the interpreter's final
    flush at exit does not report the broken pipe again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
