"""One measured run, in a fresh process: ``python -m sigmalang.profile.worker ...``.

A fresh process per run means each peak RSS (``ru_maxrss``) belongs to that run
alone. The child prints one JSON line: wall time of the work, sizes, its RSS
when idle (everything imported, the input cycle loaded) and its peak, and with
``--tracemalloc`` the Python-heap peak of the work.

Engines:
  sigmalang  StreamingEncoder.encode_stream / StreamingDecoder.decode_stream,
             from the generated stream (or a file) to a null sink.
  whole      the whole-buffer baseline: the input read into one buffer and
             ``zstandard.ZstdCompressor(level).compress(buffer)``; decode is
             ``ZstdDecompressor().decompress(whole compressed input)``.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path
from typing import BinaryIO, Callable

import zstandard

from ..stream.decoder import StreamingDecoder
from ..stream.encoder import StreamingEncoder
from .data import open_source, read_all
from .memory import own_peak_rss, own_rss

ENGINES = ("sigmalang", "whole")
MODES = ("encode", "decode")


class NullSink:
    """Counts what is written and keeps none of it."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        n = memoryview(data).nbytes
        self.bytes += n
        return n


def _encode(args: argparse.Namespace, sink: BinaryIO) -> Callable[[], int]:
    src = open_source(args.data, args.cycle, args.size)
    if args.engine == "sigmalang":
        encoder = StreamingEncoder(args.level, args.threads)
        return lambda: encoder.encode_stream(src, sink, size=args.size).bytes_out  # type: ignore[arg-type]

    def whole() -> int:
        blob = zstandard.ZstdCompressor(level=args.level).compress(read_all(src, args.size))
        sink.write(blob)
        return len(blob)

    return whole


def _decode(args: argparse.Namespace) -> Callable[[], int]:
    if args.engine == "sigmalang":
        decoder = StreamingDecoder(args.threads)

        def streaming() -> int:
            with open(args.input, "rb") as src:
                return decoder.decode_stream(src, NullSink()).bytes_out  # type: ignore[arg-type]

        return streaming

    def whole() -> int:
        return len(zstandard.ZstdDecompressor().decompress(Path(args.input).read_bytes()))

    return whole


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sigmalang.profile.worker", description=__doc__)
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--size", type=int, required=True, help="raw bytes")
    parser.add_argument("--data", default="mixed", help="mixed, text, numeric, random or a file path")
    parser.add_argument("--cycle", help="file holding the cycle of a built-in kind")
    parser.add_argument("--input", help="compressed input (decode)")
    parser.add_argument("--output", help="keep the compressed output here (encode) instead of discarding it")
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--tracemalloc", action="store_true", help="measure the Python-heap peak (slower: do not time)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, object]:
    args = parse(argv)
    out_file = open(args.output, "wb") if args.output else None  # noqa: SIM115
    sink = out_file if out_file is not None else NullSink()
    work = _encode(args, sink) if args.mode == "encode" else _decode(args)  # type: ignore[arg-type]
    idle_rss, idle_peak = own_rss(), own_peak_rss()
    if args.tracemalloc:
        tracemalloc.start()
    work_start = time.time()
    started = time.perf_counter()
    produced = work()
    wall = time.perf_counter() - started
    work_end = time.time()
    heap_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    if out_file is not None:
        out_file.close()
    if args.mode == "decode" and produced != args.size:
        raise SystemExit(f"decoded {produced} bytes, expected {args.size}")
    report = {
        "engine": args.engine,
        "mode": args.mode,
        "size": args.size,
        "wall_s": wall,
        "output_bytes": produced,
        "idle_rss": idle_rss,
        "idle_peak_rss": idle_peak,
        "peak_rss": own_peak_rss(),
        "heap_peak": heap_peak,
        "work_start": work_start,
        "work_end": work_end,
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
