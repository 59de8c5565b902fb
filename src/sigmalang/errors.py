"""Typed errors: every failure on bad input names the byte offset where it was found."""

from __future__ import annotations


class SigmalangError(Exception):
    """Base class for every error raised by sigmalang."""


class FormatError(SigmalangError, ValueError):
    """The input is not a valid sigmalang stream.

    ``offset`` is the position, in bytes from the start of the input, at which
    the problem was detected (``None`` when no position applies).
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        self.reason = message
        if offset is not None:
            message = f"{message} (at byte offset {offset})"
        super().__init__(message)


class ChecksumError(FormatError):
    """Decoded bytes do not match the checksum stored beside them."""


class TruncatedError(FormatError):
    """The input ended before the stream was complete."""


class LimitError(FormatError):
    """A declared size exceeds a decoder limit; nothing was allocated for it."""
