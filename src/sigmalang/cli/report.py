"""Messages on stderr, named after the program and the file."""

from __future__ import annotations

import sys

from ..errors import LimitError
from .memory import HINT


class UserError(Exception):
    """A problem with one file that the user must fix (the message says how)."""


def warn(message: str) -> None:
    print(f"sigmalang: {message}", file=sys.stderr)


def fail(name: str, exc: BaseException) -> None:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, OSError) and exc.filename and exc.filename != name:
        text = f"{exc.filename}: {text}"
    if isinstance(exc, LimitError):
        text = f"{text}; {HINT}"
    print(f"sigmalang: {name}: {text}", file=sys.stderr)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
