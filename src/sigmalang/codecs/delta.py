"""DELTA: numeric arrays — a reversible transform (``transforms.py``), then zstd.

Parameters (2 bytes): element width (1, 2, 4 or 8) and the transform mask, and a
third byte, the record length, when the mask regroups records. A
DECIMAL transform makes more bytes than it takes (``transforms.transformed_length``
says how many, from the chunk's length), which is what the zstd data holds.
"""

from __future__ import annotations

from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Encoded
from .context import DecodeContext, EncodeContext
from .transforms import WIDTHS, Transform, apply, transformed_length, undo, undo_into, valid
from .zstd import ZstdCodec


class DeltaCodec:
    strategy = Strategy.DELTA

    def __init__(self, entropy_coder: ZstdCodec) -> None:
        self._zstd = entropy_coder

    def encode(
        self,
        raw: Buffer,
        level: int,
        width: int = 4,
        transform: Transform = Transform.DELTA | Transform.SHUFFLE,
        context: EncodeContext | None = None,
        records: int = 1,
    ) -> Encoded:
        if not valid(width, transform, records):
            raise ValueError(f"invalid DELTA width {width}, transform {transform!r} or record length {records}")
        packed = self._zstd.encode(apply(raw, width, transform, records), level, context)
        params = bytes((width, int(transform))) + (bytes((records,)) if records > 1 else b"")
        return Encoded(Strategy.DELTA, params, packed.data, packed.shared)

    @staticmethod
    def parse_params(params: bytes) -> tuple[int, Transform, int]:
        """(element width, transform, record length) of DELTA's parameters."""
        if len(params) not in (2, 3) or (len(params) == 3) != bool(params[1] & Transform.RECORDS):
            raise ValueError(f"DELTA parameters must be 2 bytes, or 3 with records; got {bytes(params[:4]).hex()}")
        width, mask = params[:2]
        records = params[2] if len(params) == 3 else 1
        if width not in WIDTHS:
            raise ValueError(f"DELTA element width {width} is not 1, 2, 4 or 8")
        if not valid(width, mask, records):
            raise ValueError(f"DELTA transform mask 0x{mask:02x} with record length {records} is not valid for width {width}")
        return width, Transform(mask), records

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        width, transform, records = self.parse_params(params)
        transformed = self._zstd.decode(b"", data, transformed_length(raw_length, width, transform), context)
        return undo(transformed, width, transform, raw_length, records)

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        width, transform, records = self.parse_params(params)
        expected = transformed_length(len(out), width, transform)
        transformed = self._zstd.decode(b"", data, expected, context)
        if len(transformed) != expected:
            raise ValueError(f"DELTA chunk decoded to {len(transformed)} bytes, expected {expected}")
        undo_into(transformed, width, transform, out, records)
