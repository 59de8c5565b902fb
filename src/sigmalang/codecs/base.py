"""What every strategy's codec provides: the ``Codec`` protocol and its ``Encoded`` output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..buffers import Buffer
from ..format.constants import Strategy

if TYPE_CHECKING:
    from .context import DecodeContext


@dataclass(frozen=True, slots=True)
class Encoded:
    """Output of a strategy for one chunk: its parameters and its data."""

    strategy: Strategy
    params: bytes
    data: Buffer
    shared: bool = False  # data continues the segment's shared zstd frame


class Codec(Protocol):
    strategy: Strategy

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        """Decode one chunk. Raise ``ValueError`` on corrupt data (the caller adds the offset).

        ``context`` is the segment's shared zstd frame, given for chunks stored in it.
        """

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        """Decode one chunk straight into ``out``, which has exactly its raw length."""
