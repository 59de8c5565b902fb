"""RAW: stored bytes, for data no strategy shrinks."""

from __future__ import annotations

from .base import Buffer, Encoded, Strategy


class RawCodec:
    strategy = Strategy.RAW

    def encode(self, raw: Buffer, level: int) -> Encoded:
        return Encoded(Strategy.RAW, b"", raw)

    def decode(self, params: bytes, data: bytes, raw_length: int) -> Buffer:
        if params:
            raise ValueError("RAW chunk has parameters")
        if len(data) != raw_length:
            raise ValueError(f"RAW chunk holds {len(data)} bytes, header says {raw_length}")
        return data
