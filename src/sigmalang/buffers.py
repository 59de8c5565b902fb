"""Byte buffers: the type every layer passes around, and output objects filled in place."""

from __future__ import annotations

import ctypes
import mmap
import sys

import numpy as np

Buffer = bytes | bytearray | memoryview

if sys.implementation.name == "cpython":
    # Declared once: uninitialised_bytes runs for every chunk a push decoder outputs.
    _new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
    _new_bytes.restype = ctypes.py_object
    _new_bytes.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
    _bytes_storage = ctypes.pythonapi.PyBytes_AsString
    _bytes_storage.restype = ctypes.c_void_p
    _bytes_storage.argtypes = (ctypes.py_object,)


#: Transparent huge pages: the size the kernel maps at once, and the outputs advised to use them.
HUGE_PAGE = 2 << 20
HUGE_PAGE_MIN = 2 * HUGE_PAGE
_MADV_HUGEPAGE = 14  # Linux
_MADV_POPULATE_WRITE = 23  # Linux 5.14
try:
    _madvise = ctypes.CDLL(None, use_errno=True).madvise if sys.platform.startswith("linux") else None
except (OSError, AttributeError):
    _madvise = None
if _madvise is not None:
    _madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    _madvise.restype = ctypes.c_int


def huge_page_range(address: int, size: int) -> tuple[int, int] | None:
    """(start, length) of the whole huge pages inside ``size`` bytes at ``address``, or None."""
    start = -(-address // HUGE_PAGE) * HUGE_PAGE
    end = (address + size) // HUGE_PAGE * HUGE_PAGE
    return (start, end - start) if end > start else None


def _advise_huge_pages(address: int, size: int) -> None:
    """Ask Linux to map the buffer in 2 MiB pages (where transparent huge pages are
    enabled for madvise, the default), and to map them now: a decoder's fresh output
    otherwise takes a page fault per 4 KiB, which on large outputs cost as much as
    zstd's decoding itself (decompress of the corpus's mixed stream, one thread,
    1207 -> 2074 MB/s). Mapping them now (MADV_POPULATE_WRITE, Linux 5.14) in the
    calling thread matters with two workers: faulting huge pages from both at once
    made some calls three times slower than others (900-1600 MB/s against 3000).
    The memory is the same: every page of an output is written. Failures (older
    kernels, no huge pages free) are ignored: the pages are then mapped as written."""
    inner = huge_page_range(address, size)
    if _madvise is not None and inner is not None:
        _madvise(inner[0], inner[1], _MADV_HUGEPAGE)
        _madvise(inner[0], inner[1], _MADV_POPULATE_WRITE)


def uninitialised_bytes(size: int) -> tuple[bytes | bytearray, memoryview]:
    """A new object of ``size`` bytes and a writable view of its storage, to be
    filled before anyone else sees the object (decoders write output into it).

    On CPython this is ``PyBytes_FromStringAndSize(NULL, size)`` — the documented
    way C extensions build a bytes object before anyone else can see it — so
    the result needs no final copy. Elsewhere (and for size 0) it is a
    ``bytearray``, which the caller converts at the end.
    """
    if sys.implementation.name == "cpython" and size > 0:
        result = _new_bytes(None, size)
        address = _bytes_storage(result)
        if size >= HUGE_PAGE_MIN:
            _advise_huge_pages(address, size)
        storage = (ctypes.c_char * size).from_address(address)
        return result, memoryview(storage).cast("B")
    buffer = bytearray(size)
    return buffer, memoryview(buffer)


def as_bytes(result: bytes | bytearray) -> bytes:
    """``result`` of :func:`uninitialised_bytes` as ``bytes`` (a copy only off CPython)."""
    return result if type(result) is bytes else bytes(result)


def touch_pages(view: memoryview) -> None:
    """Write a zero byte in every page of ``view`` (contents undefined until filled).

    A fresh output buffer's pages are mapped at their first write, each a
    page fault with the page zeroed. A REFERENCE chunk's bytes are written in
    stream order, by the one thread that keeps order; when they go into the
    result buffer, its worker touches them first, so those faults are taken
    in parallel instead (decoding mixed data with two threads 26 % faster,
    versioned files 58 %). Chunks decoded into buffers of their own (for a
    file or a stream) are not allocated early: each would be held from its
    decoding to its turn, 19 MiB more at the decoder's peak."""
    np.frombuffer(view, dtype=np.uint8)[:: mmap.PAGESIZE] = 0

