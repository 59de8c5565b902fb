"""Reversible transforms of fixed-width numeric data: delta or xor between elements, byte shuffle.

Each works on any byte string: the part that is not a whole number of
elements (the tail) is left untouched, so every input round-trips exactly.
Which transform pays depends on the data (shuffle doubles the ratio of int32
counters but lowers it for quantised float64 whose whole values repeat), so
the selector measures candidates rather than assuming.
"""

from __future__ import annotations

import enum

import numpy as np

from ..buffers import Buffer

WIDTHS = (1, 2, 4, 8)
UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


class Transform(enum.IntFlag):
    """The DELTA parameter's mask: bit 0 delta (wrapping subtraction), bit 1 xor, bit 2 byte shuffle."""

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


def _elements(data: Buffer, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole elements of ``data`` as little-endian unsigned integers, and the tail bytes."""
    view = np.frombuffer(data, dtype=np.uint8)
    body = view.size - view.size % width
    return view[:body].view(np.dtype(UINT[width]).newbyteorder("<")), view[body:]


def apply(data: Buffer, width: int, transform: Transform) -> bytes | Buffer:
    """``data`` transformed: differences (or xors) of neighbouring elements, then shuffled."""
    values, tail = _elements(data, width)
    if transform & (Transform.DELTA | Transform.XOR):
        out = values.copy()
        if values.size > 1:
            combine = np.subtract if transform & Transform.DELTA else np.bitwise_xor
            combine(values[1:], values[:-1], out=out[1:])
        values = out
    if not transform & Transform.SHUFFLE:
        return values.tobytes() + tail.tobytes() if transform else data
    # Group byte k of every element together (blosc-style), so slowly changing
    # high bytes form long runs the entropy coder can use.
    return values.view(np.uint8).reshape(-1, width).T.tobytes() + tail.tobytes()


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
    values = dst[:body].view(np.dtype(UINT[width]).newbyteorder("<"))
    if transform & Transform.DELTA:
        np.cumsum(values, dtype=values.dtype, out=values)
    elif transform & Transform.XOR:
        np.bitwise_xor.accumulate(values, out=values)
