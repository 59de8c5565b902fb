"""What every strategy provides, and the registry that maps strategy ids to codecs."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .context import DecodeContext

Buffer = bytes | bytearray | memoryview


class Strategy(enum.IntEnum):
    """Strategy ids as stored in each CHUNK glyph (format v1)."""

    RAW = 0
    PATTERN = 1
    REFERENCE = 2
    DELTA = 3


@dataclass(frozen=True, slots=True)
class Encoded:
    """Output of a strategy for one chunk: its parameters and its data."""

    strategy: Strategy
    params: bytes
    data: Buffer
    shared: bool = False  # data continues the segment's shared zstd frame


class Codec(Protocol):
    strategy: Strategy

    def encode(self, raw: Buffer, level: int) -> Encoded:
        """Encode ``raw``; ``level`` is the user's 1..19 effort setting."""

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        """Decode one chunk. Raise ``ValueError`` on corrupt data (the caller adds the offset).

        ``context`` is the segment's shared zstd frame, given for chunks stored in it.
        """

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        """Decode one chunk straight into ``out``, which has exactly its raw length."""
