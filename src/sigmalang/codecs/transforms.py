"""Reversible transforms of fixed-width numeric data (numpy): delta, xor, byte shuffle.

Each works on any byte string: the part that is not a whole number of
elements (the tail) is left untouched, so every input round-trips exactly.
"""

from __future__ import annotations

import numpy as np

from .base import Buffer

WIDTHS = (1, 2, 4, 8)
UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _split(data: Buffer, width: int) -> tuple[np.ndarray, bytes]:
    view = np.frombuffer(data, dtype=np.uint8)
    body = view.size - view.size % width
    return view[:body], view[body:].tobytes()


def delta_encode(data: Buffer, width: int) -> bytes:
    """Each element minus the one before it (wrapping), little-endian unsigned."""
    body, tail = _split(data, width)
    values = body.view(np.dtype(UINT[width]).newbyteorder("<"))
    out = np.empty_like(values)
    if values.size:
        out[0] = values[0]
        np.subtract(values[1:], values[:-1], out=out[1:])
    return out.tobytes() + tail


def delta_decode(data: Buffer, width: int) -> bytes:
    body, tail = _split(data, width)
    values = body.view(np.dtype(UINT[width]).newbyteorder("<"))
    return np.cumsum(values, dtype=values.dtype).tobytes() + tail


def xor_encode(data: Buffer, width: int) -> bytes:
    """Each element XOR the one before it: keeps equal high bits of floats at zero."""
    body, tail = _split(data, width)
    values = body.view(np.dtype(UINT[width]).newbyteorder("<"))
    out = values.copy()
    if values.size > 1:
        np.bitwise_xor(values[1:], values[:-1], out=out[1:])
    return out.tobytes() + tail


def xor_decode(data: Buffer, width: int) -> bytes:
    body, tail = _split(data, width)
    values = body.view(np.dtype(UINT[width]).newbyteorder("<"))
    return np.bitwise_xor.accumulate(values).tobytes() + tail


def shuffle(data: Buffer, width: int) -> bytes:
    """Group byte k of every element together (blosc-style), so slowly changing
    high bytes form long runs the entropy coder can use."""
    body, tail = _split(data, width)
    return body.reshape(-1, width).T.tobytes() + tail


def unshuffle(data: Buffer, width: int) -> bytes:
    body, tail = _split(data, width)
    return body.reshape(width, -1).T.tobytes() + tail
