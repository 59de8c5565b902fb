"""DELTA: numeric arrays — delta or xor between elements, byte shuffle, then zstd.

Parameters (2 bytes): element width (1, 2, 4 or 8) and a transform mask:
bit 0 = delta (wrapping subtraction), bit 1 = xor, bit 2 = byte shuffle.
Which mask pays depends on the data (shuffle doubles the ratio of int32
counters but lowers it for quantised float64 whose whole values repeat), so the
selector measures candidates rather than assuming.
"""

from __future__ import annotations

import enum

import numpy as np

from . import transforms
from .base import Buffer, Encoded, Strategy
from .context import DecodeContext, EncodeContext
from .pattern import PatternCodec


class Transform(enum.IntFlag):
    NONE = 0
    DELTA = 1
    XOR = 2
    SHUFFLE = 4


VALID_TRANSFORMS = (
    Transform.SHUFFLE,
    Transform.DELTA,
    Transform.XOR,
    Transform.DELTA | Transform.SHUFFLE,
    Transform.XOR | Transform.SHUFFLE,
)


def apply(data: Buffer, width: int, transform: Transform) -> bytes | Buffer:
    out: Buffer = data
    if transform & Transform.DELTA:
        out = transforms.delta_encode(out, width)
    elif transform & Transform.XOR:
        out = transforms.xor_encode(out, width)
    if transform & Transform.SHUFFLE:
        out = transforms.shuffle(out, width)
    return out


def undo(data: Buffer, width: int, transform: Transform) -> bytes:
    out = bytearray(len(data))
    undo_into(data, width, transform, memoryview(out))
    return bytes(out)


def undo_into(data: Buffer, width: int, transform: Transform, out: memoryview) -> None:
    """Undo ``transform`` writing straight into ``out`` (same length as ``data``):
    one strided copy to unshuffle, then the running sum or xor in place."""
    src = np.frombuffer(data, dtype=np.uint8)
    dst = np.frombuffer(out, dtype=np.uint8)
    body = src.size - src.size % width
    if transform & Transform.SHUFFLE:
        dst[:body].reshape(-1, width)[...] = src[:body].reshape(width, -1).T
    else:
        dst[:body] = src[:body]
    dst[body:] = src[body:]
    values = dst[:body].view(np.dtype(transforms.UINT[width]).newbyteorder("<"))
    if transform & Transform.DELTA:
        np.cumsum(values, dtype=values.dtype, out=values)
    elif transform & Transform.XOR:
        np.bitwise_xor.accumulate(values, out=values)


class DeltaCodec:
    strategy = Strategy.DELTA

    def __init__(self, entropy_coder: PatternCodec) -> None:
        self._zstd = entropy_coder

    def encode(
        self,
        raw: Buffer,
        level: int,
        width: int = 4,
        transform: Transform = Transform.DELTA | Transform.SHUFFLE,
        context: EncodeContext | None = None,
    ) -> Encoded:
        if width not in transforms.WIDTHS or transform not in VALID_TRANSFORMS:
            raise ValueError(f"invalid DELTA width {width} or transform {transform!r}")
        packed = self._zstd.encode(apply(raw, width, transform), level, context)
        return Encoded(Strategy.DELTA, bytes((width, int(transform))), packed.data, packed.shared)

    @staticmethod
    def parse_params(params: bytes) -> tuple[int, Transform]:
        if len(params) != 2:
            raise ValueError(f"DELTA parameters must be 2 bytes, got {len(params)}")
        width, mask = params
        if width not in transforms.WIDTHS:
            raise ValueError(f"DELTA element width {width} is not 1, 2, 4 or 8")
        if mask not in [int(t) for t in VALID_TRANSFORMS]:
            raise ValueError(f"DELTA transform mask 0x{mask:02x} is not valid")
        return width, Transform(mask)

    def decode(self, params: bytes, data: Buffer, raw_length: int, context: DecodeContext | None = None) -> Buffer:
        width, transform = self.parse_params(params)
        return undo(self._zstd.decode(b"", data, raw_length, context), width, transform)

    def decode_into(self, params: bytes, data: Buffer, out: memoryview, context: DecodeContext | None = None) -> None:
        width, transform = self.parse_params(params)
        transformed = self._zstd.decode(b"", data, len(out), context)
        if len(transformed) != len(out):
            raise ValueError(f"DELTA chunk decoded to {len(transformed)} bytes, header says {len(out)}")
        undo_into(transformed, width, transform, out)
