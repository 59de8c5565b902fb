"""Digests of the streams the encoder writes, over many settings and input paths.

A change that must not alter the format's output (a restructuring, a speed-up)
is checked by running this before and after it and comparing:

    python tools/stream_digests.py > before.txt   # on the old commit
    python tools/stream_digests.py | diff before.txt -

Inputs: the committed test vectors' originals, the built-in mixed sample, and
NDJSON records over several segments (primed frames); each is encoded through
``compress``, ``encode_stream`` from a pipe-like stream, ``encode_file`` (read
by position) and ``open(..., "wb")``, under levels, threads, chunk and
segment sizes, references and the detector switch.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import sys
import tempfile
from pathlib import Path

import sigmalang
from sigmalang.corpus import mixed, ndjson

VECTORS = Path(__file__).resolve().parent.parent / "tests" / "vectors"

SETTINGS: list[dict[str, object]] = [
    {},
    {"level": 1},
    {"level": 9},
    {"chunk_size": 65536},
    {"chunk_size": 1 << 20, "segment_size": 2 << 20},
    {"references": True},
    {"references": False},
    {"references": False, "level": 9},
    {"reference_window": 0},
    {"long_distance": True},
    {"adaptive": False},
    {"trial": True},
]


class _Pipe(io.RawIOBase):
    """A non-seekable source that returns short reads, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        n = min(len(b), 100_003, len(self._data) - self._pos)
        b[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


def _inputs() -> dict[str, bytes]:
    inputs = {p.stem: p.read_bytes() for p in sorted(VECTORS.glob("*.bin"))}
    inputs["mixed-12M"] = mixed(12 << 20)
    inputs["ndjson-20M"] = ndjson(20 << 20)
    return inputs


def _paths(data: bytes, options: dict[str, object], threads: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {"compress": sigmalang.StreamingEncoder(threads=threads, **options).compress(data)}  # type: ignore[arg-type]
    sink = io.BytesIO()
    sigmalang.StreamingEncoder(threads=threads, **options).encode_stream(_Pipe(data), sink)  # type: ignore[arg-type]
    out["pipe"] = sink.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        Path(src).write_bytes(data)
        sigmalang.StreamingEncoder(threads=threads, **options).encode_file(src, dst)  # type: ignore[arg-type]
        out["file"] = Path(dst).read_bytes()
    if set(options) <= {"level", "chunk_size", "references"}:
        sink = io.BytesIO()
        with sigmalang.open(sink, "wb", threads=threads, **options) as f:  # type: ignore[arg-type]
            f.write(data)
        out["open"] = sink.getvalue()
    return out


def main() -> int:
    for (name, data), options, threads in itertools.product(_inputs().items(), SETTINGS, (1, 2)):
        if len(data) > (1 << 20) and threads == 1 and options not in ({}, {"references": True}):
            continue  # the big inputs once per setting, both thread counts only for the default and refs
        for path, blob in _paths(data, options, threads).items():
            assert sigmalang.decompress(blob) == data, (name, options, path)
            key = ",".join(f"{k}={v}" for k, v in sorted(options.items())) or "default"
            print(f"{name:24} {key:34} T{threads} {path:8} {len(blob):9} {hashlib.sha256(blob).hexdigest()[:16]}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
