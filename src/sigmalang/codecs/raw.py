"""RAW: stored bytes, for data no strategy shrinks."""

from __future__ import annotations

from .base import Buffer, Encoded, Strategy


class RawCodec:
    strategy = Strategy.RAW

    def encode(self, raw: Buffer, level: int) -> Encoded:
        return Encoded(Strategy.RAW, b"", raw)

    def decode(self, params: bytes, data: Buffer, raw_length: int) -> Buffer:
        self._check(params, data, raw_length)
        return bytes(data)

    def decode_into(self, params: bytes, data: Buffer, out: memoryview) -> None:
        self._check(params, data, len(out))
        out[:] = data

    @staticmethod
    def _check(params: bytes, data: Buffer, raw_length: int) -> None:
        if params:
            raise ValueError("RAW chunk has parameters")
        if len(data) != raw_length:
            raise ValueError(f"RAW chunk holds {len(data)} bytes, header says {raw_length}")
