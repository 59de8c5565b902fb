"""One measured run, in a fresh process: ``python -m sigmalang.profile.worker ...``.

A fresh process per run means each peak RSS belongs to that run alone. The
child prints one JSON line: wall time of the work, sizes, its RSS when idle
(everything imported, the input cycle loaded) and its peak, the reference
window the stream declares, and with ``--tracemalloc`` the Python-heap peak of
the work.

Engines (``ENGINE_DESCRIPTIONS`` says the same to readers of a profile):
  sigmalang-file  file to file, as ``sigmalang FILE``: ``encode_file`` (the
                  workers read the input by position) / ``decode_file`` (the
                  workers write the output by position).
  sigmalang-pipe  streamed like a pipe: ``encode_stream`` of the input file
                  read in sequence, unable to seek or tell its size (as
                  ``cat FILE | sigmalang`` gives it; the generated cycle is
                  used only without an input file) / ``decode_stream`` of
                  input that cannot seek, both to a null sink.
  whole           the whole-buffer baseline: the input read into one buffer and
                  ``zstandard.ZstdCompressor(level).compress(buffer)``; decode is
                  ``ZstdDecompressor().decompress(whole compressed input)``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import BinaryIO, Callable

import zstandard

from ..format.parser import GlyphParser
from ..stream.decoder import StreamingDecoder
from ..stream.encoder import StreamingEncoder
from .data import open_source, read_all
from .memory import own_peak_rss, own_rss

ENGINES = ("sigmalang-file", "sigmalang-pipe", "whole")
MODES = ("encode", "decode")
HEADER_BYTES = 64  # enough to hold a stream header


class NullSink:
    """Counts what is written and keeps none of it but the first bytes (the stream header)."""

    def __init__(self) -> None:
        self.bytes = 0
        self.head = b""

    def write(self, data: bytes | bytearray | memoryview) -> int:
        n = memoryview(data).nbytes
        if len(self.head) < HEADER_BYTES:
            self.head += bytes(memoryview(data)[: HEADER_BYTES - len(self.head)])
        self.bytes += n
        return n


class Sequential(io.RawIOBase):
    """A file read in sequence only, as from a pipe: it cannot seek nor tell its size."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        return self._file.readinto(b) or 0

    def close(self) -> None:
        self._file.close()
        super().close()


def declared_window(head: bytes) -> int | None:
    """The reference window the stream starting with ``head`` declares, or None if
    ``head`` holds no stream header."""
    parser = GlyphParser()
    parser.push(head)
    return next((int(getattr(event, "window")) for event in parser.events() if hasattr(event, "window")), None)


def _head(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(HEADER_BYTES)


def _scratch(args: argparse.Namespace) -> str:
    """Where a file-to-file run writes: --output, or a file beside its input removed after the run."""
    return args.output or f"{args.input}.{os.getpid()}.{args.mode}d"


def _encode(args: argparse.Namespace, sink: BinaryIO) -> Callable[[], int]:
    """The work of an encode run: returns the bytes written."""
    encoder = StreamingEncoder(args.level, args.threads)
    if args.engine == "sigmalang-file":
        return lambda: encoder.encode_file(args.input, _scratch(args)).bytes_out
    if args.engine == "sigmalang-pipe" and args.input:

        def piped() -> int:
            with Sequential(args.input) as src:
                return encoder.encode_stream(src, sink).bytes_out  # type: ignore[arg-type]

        return piped
    src = open_source(args.data, args.cycle, args.size)
    if args.engine == "sigmalang-pipe":
        return lambda: encoder.encode_stream(src, sink).bytes_out  # type: ignore[arg-type]

    def whole() -> int:
        blob = zstandard.ZstdCompressor(level=args.level).compress(read_all(src, args.size))
        sink.write(blob)
        return len(blob)

    return whole


def _decode(args: argparse.Namespace) -> Callable[[], int]:
    """The work of a decode run: returns the bytes decoded."""
    decoder = StreamingDecoder(args.threads)
    if args.engine == "sigmalang-file":
        return lambda: decoder.decode_file(args.input, _scratch(args)).bytes_out

    def piped() -> int:
        with Sequential(args.input) as src:
            return decoder.decode_stream(src, NullSink()).bytes_out  # type: ignore[arg-type]

    if args.engine == "sigmalang-pipe":
        return piped
    return lambda: len(zstandard.ZstdDecompressor().decompress(Path(args.input).read_bytes()))


def _stream_head(args: argparse.Namespace, sink: object) -> bytes:
    """The first bytes of the sigmalang stream the run wrote (encode) or read (decode)."""
    if args.engine == "whole":
        return b""
    if args.mode == "decode":
        return _head(args.input)
    if args.engine == "sigmalang-file":
        return _head(_scratch(args))
    return sink.head if isinstance(sink, NullSink) else _head(args.output)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sigmalang.profile.worker", description=__doc__)
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--size", type=int, required=True, help="raw bytes")
    parser.add_argument("--data", default="mixed", help="mixed, text, numeric, random or a file path")
    parser.add_argument("--cycle", help="file holding the cycle of a built-in kind")
    parser.add_argument("--input", help="compressed input (decode), or the raw input file (sigmalang-file encode)")
    parser.add_argument("--output", help="keep the output here instead of discarding it")
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--tracemalloc", action="store_true", help="measure the Python-heap peak (slower: do not time)")
    return parser.parse_args(argv)


def _measure(work: Callable[[], int], trace: bool) -> dict[str, object]:
    idle_rss, idle_peak = own_rss(), own_peak_rss()
    if trace:
        tracemalloc.start()
    work_start = time.time()
    started = time.perf_counter()
    produced = work()
    wall = time.perf_counter() - started
    work_end = time.time()
    return {
        "wall_s": wall, "output_bytes": produced, "idle_rss": idle_rss, "idle_peak_rss": idle_peak,
        "peak_rss": own_peak_rss(), "heap_peak": tracemalloc.get_traced_memory()[1] if trace else None,
        "work_start": work_start, "work_end": work_end,
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parse(argv)
    keep = args.output is not None and args.engine != "sigmalang-file"
    sink: BinaryIO = open(args.output, "wb") if keep else NullSink()  # type: ignore[assignment]  # noqa: SIM115
    try:
        measured = _measure(_encode(args, sink) if args.mode == "encode" else _decode(args), args.tracemalloc)
        if keep:
            sink.close()
        head = _stream_head(args, sink)
    finally:
        if args.engine == "sigmalang-file" and not args.output:
            Path(_scratch(args)).unlink(missing_ok=True)
    if args.mode == "decode" and measured["output_bytes"] != args.size:
        raise SystemExit(f"decoded {measured['output_bytes']} bytes, expected {args.size}")
    report = {"engine": args.engine, "mode": args.mode, "size": args.size, **measured,
              "declared_window": declared_window(head) if head else None}
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
