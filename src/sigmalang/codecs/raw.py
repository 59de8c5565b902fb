"""RAW: stored bytes, for data no strategy shrinks."""

from __future__ import annotations

from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Encoded
from .context import DecodeContext


class RawCodec:
    strategy = Strategy.RAW

    def encode(self, raw: Buffer, level: int) -> Encoded:
        return Encoded(Strategy.RAW, b"", raw)

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        self._check(params, data, raw_length, context)
        return bytes(data)

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        self._check(params, data, len(out), context)
        out[:] = data

    @staticmethod
    def _check(params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None) -> None:
        if context is not None:
            raise ValueError("RAW chunk marked as part of a shared zstd frame")
        if params:
            raise ValueError("RAW chunk has parameters")
        if len(data) != raw_length:
            raise ValueError(f"RAW chunk holds {len(data)} bytes, header says {raw_length}")
