"""Reversible transforms of fixed-width numeric data: records regrouped by column
(``records.py``), decimal floats as integers (``decimal.py``), delta or xor
between elements, byte shuffle.

Each works on any byte string: the part that is not a whole number of
elements (the tail) is left untouched, so every input round-trips exactly.
Which transform pays depends on the data (shuffle doubles the ratio of int32
counters but lowers it where whole values repeat), so the selector measures
candidates rather than assuming.
"""

from __future__ import annotations

import enum
import threading

import numpy as np

from ..buffers import Buffer
from . import decimal, native, records as rows

WIDTHS = (1, 2, 4, 8)
#: codecs/_shuffle.c (numpy shuffles where it was not built).
_native_shuffle = native.optional("_shuffle")
UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


class Transform(enum.IntFlag):
    """The DELTA parameter's mask: bit 0 delta (wrapping subtraction), bit 1 xor, bit 2 byte
    shuffle, bit 3 decimal floats (float32 or float64 elements as integers; with bit 0,
    differences of the integers), bit 4 records (elements regrouped column by column
    first; the record length is a third parameter byte)."""

    NONE = 0
    DELTA = 1
    XOR = 2
    SHUFFLE = 4
    DECIMAL = 8
    RECORDS = 16


_STEPS = (
    Transform.SHUFFLE,
    Transform.DELTA,
    Transform.XOR,
    Transform.DELTA | Transform.SHUFFLE,
    Transform.XOR | Transform.SHUFFLE,
    Transform.DECIMAL,
    Transform.DECIMAL | Transform.SHUFFLE,
    Transform.DECIMAL | Transform.DELTA,
    Transform.DECIMAL | Transform.DELTA | Transform.SHUFFLE,
)
#: Every mask the format allows: each of the steps above, alone or after regrouping records.
VALID_TRANSFORMS = (*_STEPS, Transform.RECORDS, *(t | Transform.RECORDS for t in _STEPS))
#: Element widths DECIMAL works on: float32 and float64.
DECIMAL_WIDTHS = (4, 8)
#: Record lengths (in elements) the RECORDS parameter byte may hold.
RECORD_LENGTHS = range(2, 256)


def valid(width: int, transform: int, records: int = 1) -> bool:
    """Whether DELTA's parameters name a transform this version can undo."""
    if width not in WIDTHS or transform not in [int(t) for t in VALID_TRANSFORMS]:
        return False
    if not (records in RECORD_LENGTHS if transform & Transform.RECORDS else records == 1):
        return False
    return width in DECIMAL_WIDTHS or not transform & Transform.DECIMAL


def transformed_length(length: int, width: int, transform: Transform) -> int:
    """Bytes ``apply`` makes of ``length`` bytes: the same, plus DECIMAL's exponents and bitmap."""
    return length + decimal.header_length(length // width) if transform & Transform.DECIMAL else length


def decimal_share(data: Buffer, width: int) -> float:
    """The share of ``data``'s sampled elements that DECIMAL would store as integers (``decimal.share``)."""
    if width not in DECIMAL_WIDTHS:
        return 0.0
    return decimal.share(_elements(data, width)[0].view(decimal.FLOAT[width]))


def record_length(data: Buffer, width: int) -> int:
    """The record length (in elements) ``data`` looks laid out in, 1 for none (``records.estimate``)."""
    return rows.estimate(_elements(data, width)[0])


def _elements(data: Buffer, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole elements of ``data`` as little-endian unsigned integers, and the tail bytes."""
    view = np.frombuffer(data, dtype=np.uint8)
    body = view.size - view.size % width
    return view[:body].view(np.dtype(UINT[width]).newbyteorder("<")), view[body:]


def apply(data: Buffer, width: int, transform: Transform, records: int = 1) -> Buffer:
    """``data`` transformed: records regrouped, decimals as integers, differences (or
    xors) of neighbouring elements, then shuffled.

    Each step writes into the buffer the next one reads, the last into the result
    (no copy of the whole chunk to hand it over: a chunk's ``tobytes`` and a copy
    of its elements before differencing took a tenth of a float chunk's encoding)."""
    if transform & Transform.RECORDS:
        values, tail = _elements(data, width)
        grouped = np.empty(len(data), dtype=np.uint8)
        rows.regroup(values, records, grouped[: values.nbytes].view(values.dtype))
        grouped[values.nbytes :] = tail
        data, transform = grouped.data, transform & ~Transform.RECORDS
    if transform & Transform.DECIMAL:
        return _apply_decimal(data, width, transform)
    if not transform:
        return data
    values, tail = _elements(data, width)
    result = np.empty(len(data), dtype=np.uint8)
    body = result[: values.nbytes]
    result[values.nbytes :] = tail
    if transform & (Transform.DELTA | Transform.XOR):
        differences = np.empty_like(values) if transform & Transform.SHUFFLE else body.view(values.dtype)
        if values.size:
            differences[:1] = values[:1]
            combine = np.subtract if transform & Transform.DELTA else np.bitwise_xor
            combine(values[1:], values[:-1], out=differences[1:])
        values = differences
    if transform & Transform.SHUFFLE:
        # Group byte k of every element together (blosc-style), so slowly changing
        # high bytes form long runs the entropy coder can use.
        shuffle_into(body, values.view(np.uint8), width)
    return result.data


def _apply_decimal(data: Buffer, width: int, transform: Transform) -> bytearray:
    """DECIMAL's layout: exponents, exception bitmap, slots (shuffled or not), tail."""
    values, tail = _elements(data, width)
    exponents, bitmap, slots = decimal.encode(values.view(decimal.FLOAT[width]), bool(transform & Transform.DELTA))
    out = bytearray(transformed_length(len(data), width, transform))
    dst = np.frombuffer(out, dtype=np.uint8)
    at = exponents.size + bitmap.size
    dst[: exponents.size] = exponents
    dst[exponents.size : at] = bitmap
    body = values.size * width
    if transform & Transform.SHUFFLE:
        shuffle_into(dst[at : at + body], slots.view(np.uint8), width)
    else:
        dst[at : at + body] = slots.view(np.uint8)
    dst[at + body :] = tail
    return out


def shuffle_into(dst: np.ndarray, src: np.ndarray, width: int) -> None:
    """Byte k of every ``width``-byte element of ``src`` into the k-th plane of ``dst``.

    Natively where ``codecs/_shuffle.c`` is built (2 MiB of float64 in 0.05 ms); else a
    plane at a time (one strided copy per byte of the element, 0.48 ms): numpy's
    transposed copy of the whole array is 1.5-2.7 times slower still."""
    if _native_shuffle is not None:
        _native_shuffle.shuffle(dst, src, width)
        return
    planes, elements = dst.reshape(width, -1), src.reshape(-1, width)
    for k in range(width):
        planes[k] = elements[:, k]


def unshuffle_into(dst: np.ndarray, src: np.ndarray, width: int) -> None:
    """``shuffle_into`` undone: the k-th plane of ``src`` into byte k of every element of ``dst``
    (natively where ``codecs/_shuffle.c`` is built, as ``shuffle_into``)."""
    if _native_shuffle is not None:
        _native_shuffle.unshuffle(dst, src, width)
        return
    elements, planes = dst.reshape(-1, width), src.reshape(width, -1)
    for k in range(width):
        elements[:, k] = planes[k]


def undo(data: Buffer, width: int, transform: Transform, length: int | None = None, records: int = 1) -> bytes:
    """``apply`` undone; ``length`` is the original's (that of ``data`` unless DECIMAL)."""
    out = bytearray(len(data) if length is None else length)
    undo_into(data, width, transform, memoryview(out), records)
    return bytes(out)


def undo_into(data: Buffer, width: int, transform: Transform, out: memoryview, records: int = 1) -> None:
    """``apply`` undone into ``out``; regrouped records take one more copy, back into place."""
    if not transform & Transform.RECORDS:
        _undo_steps(data, width, transform, out)
        return
    grouped = _scratch(len(out))
    _undo_steps(data, width, transform & ~Transform.RECORDS, grouped)
    values, tail = _elements(grouped, width)
    dst = np.frombuffer(out, dtype=np.uint8)
    rows.ungroup(values, records, dst[: values.nbytes].view(values.dtype))
    dst[values.nbytes :] = tail


#: Largest scratch buffer a thread keeps for the next chunk (the default chunk size is at most 4 MiB).
_SCRATCH_KEPT = 8 << 20
_local = threading.local()


def _scratch(size: int) -> memoryview:
    """``size`` bytes of this thread's scratch buffer, kept from chunk to chunk: a new
    buffer of a chunk's size costs the page faults of its first writes, which took
    longer than undoing the transforms (2 of 5 ms for 4 MiB of regrouped decimals)."""
    kept: bytearray | None = getattr(_local, "buffer", None)
    if kept is None or len(kept) < size:
        kept = bytearray(size)
        if size <= _SCRATCH_KEPT:
            _local.buffer = kept
    return memoryview(kept)[:size]


def _undo_steps(data: Buffer, width: int, transform: Transform, out: memoryview) -> None:
    """Undo ``transform`` writing straight into ``out`` (``data`` is ``transformed_length``
    of it): one strided copy to unshuffle, then the running sum or xor, or the
    decimal integers turned back into floats, in place."""
    src = np.frombuffer(data, dtype=np.uint8)
    dst = np.frombuffer(out, dtype=np.uint8)
    if len(data) != transformed_length(len(out), width, transform):
        raise ValueError(f"{len(data)} transformed bytes cannot decode to {len(out)}")
    body = dst.size - dst.size % width
    header = src.size - dst.size  # DECIMAL's exponents and bitmap, else nothing
    exponents, bitmap = src[: -(-(body // width) // decimal.BLOCK)], src[:header]
    bitmap, src = bitmap[exponents.size :], src[header:]
    if transform & Transform.SHUFFLE:
        unshuffle_into(dst[:body], src[:body], width)
    else:
        dst[:body] = src[:body]
    dst[body:] = src[body:]
    values = dst[:body].view(np.dtype(UINT[width]).newbyteorder("<"))
    if transform & Transform.DECIMAL:
        decimal.decode(exponents, bitmap, values, bool(transform & Transform.DELTA))
    elif transform & Transform.DELTA:
        np.cumsum(values, dtype=values.dtype, out=values)
    elif transform & Transform.XOR:
        np.bitwise_xor.accumulate(values, out=values)
