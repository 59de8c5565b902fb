"""DELTA: numeric arrays — a reversible transform (``transforms.py``), then zstd.

Parameters (2 bytes): element width (1, 2, 4 or 8) and the transform mask. A
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
    ) -> Encoded:
        if not valid(width, transform):
            raise ValueError(f"invalid DELTA width {width} or transform {transform!r}")
        packed = self._zstd.encode(apply(raw, width, transform), level, context)
        return Encoded(Strategy.DELTA, bytes((width, int(transform))), packed.data, packed.shared)

    @staticmethod
    def parse_params(params: bytes) -> tuple[int, Transform]:
        if len(params) != 2:
            raise ValueError(f"DELTA parameters must be 2 bytes, got {len(params)}")
        width, mask = params
        if width not in WIDTHS:
            raise ValueError(f"DELTA element width {width} is not 1, 2, 4 or 8")
        if not valid(width, mask):
            raise ValueError(f"DELTA transform mask 0x{mask:02x} is not valid for width {width}")
        return width, Transform(mask)

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        width, transform = self.parse_params(params)
        transformed = self._zstd.decode(b"", data, transformed_length(raw_length, width, transform), context)
        return undo(transformed, width, transform, raw_length)

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        width, transform = self.parse_params(params)
        expected = transformed_length(len(out), width, transform)
        transformed = self._zstd.decode(b"", data, expected, context)
        if len(transformed) != expected:
            raise ValueError(f"DELTA chunk decoded to {len(transformed)} bytes, expected {expected}")
        undo_into(transformed, width, transform, out)
