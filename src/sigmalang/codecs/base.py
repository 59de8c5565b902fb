"""What every strategy provides, and the registry that maps strategy ids to codecs."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

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


class Codec(Protocol):
    strategy: Strategy

    def encode(self, raw: Buffer, level: int) -> Encoded:
        """Encode ``raw``; ``level`` is the user's 1..19 effort setting."""

    def decode(self, params: bytes, data: Buffer, raw_length: int) -> Buffer:
        """Decode one chunk. Raise ``ValueError`` on corrupt data (the caller adds the offset)."""

    def decode_into(self, params: bytes, data: Buffer, out: memoryview) -> None:
        """Decode one chunk straight into ``out``, which has exactly its raw length."""
