"""The long-range matcher (codecs/longrange.py) beside today's block index, and zstd's long mode.

    python benchmarks/longrange.py                  # all data sets, 3 runs
    python benchmarks/longrange.py --scale 0.25 --runs 2 --json out.json

Data: versioned copies of a ~4 MiB tree of standard-library sources (8
versions; sparse: 20 small edits per version, as adaptive_corpus.py's
"versioned-sparse" kind; dense: an edit every ~10 KB, as "versioned-dense"), the mixed corpus of
adaptive_corpus.py and standard-library text (few far repeats).

For each matcher it prints the CPU time of matching per MiB (thread time of
the thread calling ``copies``, best of --runs), the share of bytes copied and
an end-to-end estimate of the ratio: chunks and segments sized as the encoder
sizes them for that input, copies kept for a chunk only when they cover
MIN_COPIED bytes (as the encoder does), every segment's literals compressed
with zstd -3 in one frame of the segment's window, flushed per chunk, plus the
copy tables. zstd -3 and zstd -3 --long=27 (threads=2) run on the same data.
"Before chunk" rows let copies read anything before the chunk instead of
stopping at the segment start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import zstandard

sys.path.insert(0, str(Path(__file__).parent))
from adaptive_corpus import DENSE_EDITS, KINDS, SIZES, stdlib_sources, versioned_copies  # noqa: E402
from sigmalang.codecs.longrange import (  # noqa: E402
    ANCHOR_BITS,
    DESIGN,
    BufferSource,
    Design,
    FileSource,
    LongRangeMatcher,
    RingSource,
    Source,
)
from sigmalang.codecs.reference import MIN_COPIED, Copy, copied_bytes, encode_copies, literals  # noqa: E402
from sigmalang.settings import DEFAULT_REFERENCE_WINDOW, EncoderSettings, choose_chunk_size  # noqa: E402

MIB = 1 << 20


def datasets(scale: float) -> Iterator[tuple[str, bytes]]:
    yield "versioned, sparse edits", versioned_copies(32 * MIB, [])
    yield "versioned, dense edits", versioned_copies(32 * MIB, [], edits=DENSE_EDITS)
    yield "mixed", b"".join(make(int(SIZES[kind] * scale * MIB), []) for kind, make in KINDS.items())
    yield "text", stdlib_sources(int(40 * scale * MIB), [])


@dataclass(frozen=True)
class Layout:
    """Chunks and segments as the encoder cuts an input of this size."""

    chunk: int
    segment: int

    @classmethod
    def of(cls, size: int) -> "Layout":
        chunk = choose_chunk_size(size)
        return cls(chunk, chunk * EncoderSettings().chunks_per_segment(chunk, size))

    def chunks(self, size: int) -> Iterator[tuple[int, int]]:
        """(position, segment start) of every chunk."""
        for position in range(0, size, self.chunk):
            yield position, position - position % self.segment


Match = Callable[[memoryview, int, int], list[Copy]]


def run_matcher(make: Callable[[], Match], data: bytes, layout: Layout, before_chunk: bool) -> tuple[float, list[list[Copy]]]:
    """Thread CPU seconds of matching every chunk in order, and each chunk's copies."""
    view = memoryview(data)
    match = make()
    found = []
    started = time.thread_time()
    for position, segment_start in layout.chunks(len(data)):
        found.append(match(view[position : position + layout.chunk], position, position if before_chunk else segment_start))
    return time.thread_time() - started, found


def estimate_size(data: bytes, layout: Layout, found: list[list[Copy]] | None) -> tuple[int, int]:
    """Compressed size the encoder would reach (zstd -3 per segment on literals, plus copy tables), bytes copied."""
    view = memoryview(data)
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=max(10, (layout.segment - 1).bit_length()))
    total = copied = 0
    compressor = None
    for i, (position, segment_start) in enumerate(layout.chunks(len(data))):
        if position == segment_start:
            compressor = zstandard.ZstdCompressor(compression_params=params).compressobj()
        assert compressor is not None
        chunk = view[position : position + layout.chunk]
        copies = found[i] if found is not None else []
        if copied_bytes(copies) >= MIN_COPIED:
            total += len(encode_copies(copies)) + 4  # table, its length and the inner strategy
            copied += copied_bytes(copies)
            chunk = memoryview(literals(chunk, copies))
        total += len(compressor.compress(chunk)) + len(compressor.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))
    return total, copied


def longrange(window: int, source: Callable[[], Source], **options: object) -> Callable[[], Match]:
    return lambda: LongRangeMatcher(window, source(), **options).copies  # type: ignore[arg-type]


def matchers(data: bytes, path: str, window: int) -> list[tuple[str, Callable[[], Match], bool]]:
    """(label, factory, copies may read up to the chunk start) for every matcher measured."""
    buffer = lambda: BufferSource(data)  # noqa: E731
    rows: list[tuple[str, Callable[[], Match], bool]] = []
    for design in Design:
        for bits in (8, 10):
            rows.append((f"{design.name.lower()} {bits} bits", longrange(window, buffer, design=design, anchor_bits=bits), False))
    default = f"{DESIGN.name.lower()} {ANCHOR_BITS} bits"
    for min_copy in (32, 128, 256, 512):
        rows.append((f"{default}, min {min_copy}", longrange(window, buffer, min_copy=min_copy), False))
    fd = os.open(path, os.O_RDONLY)
    rows.append((f"{default}, file", longrange(window, lambda: FileSource(fd)), False))
    rows.append((f"{default}, ring", longrange(window, RingSource), False))
    rows.append((f"{default}, before chunk", longrange(window, buffer), True))
    return rows


def peers(data: bytes) -> dict[str, int]:
    long_params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27, enable_ldm=True, threads=2)
    return {
        "zstd -3": len(zstandard.ZstdCompressor(level=3, threads=2).compress(data)),
        "zstd -3 --long=27": len(zstandard.ZstdCompressor(compression_params=long_params).compress(data)),
    }


def measure(name: str, data: bytes, runs: int, window: int) -> list[dict[str, object]]:
    """Every matcher on ``data``, in turns round after round (best CPU time of each), then the sizes."""
    layout = Layout.of(len(data))
    with tempfile.NamedTemporaryFile(prefix="sigmalang-longrange-") as file:
        file.write(data)
        file.flush()
        rows = matchers(data, file.name, window)
        best: dict[str, float] = {}
        found: dict[str, list[list[Copy]]] = {}
        for _ in range(runs):
            for label, make, before_chunk in rows:
                seconds, found[label] = run_matcher(make, data, layout, before_chunk)
                best[label] = min(best.get(label, float("inf")), seconds)
    mib = len(data) / MIB
    out: list[dict[str, object]] = []
    for peer, size in peers(data).items():
        out.append({"data": name, "matcher": peer, "ratio": len(data) / size})
    plain, _ = estimate_size(data, layout, None)
    out.append({"data": name, "matcher": "segments, no copies", "ratio": len(data) / plain})
    for label, _, _ in rows:
        size, copied = estimate_size(data, layout, found[label])
        out.append({
            "data": name, "matcher": label, "ratio": len(data) / size, "copied": copied / len(data),
            "cpu_ms_per_mib": best[label] * 1e3 / mib, "copies": sum(map(len, found[label])),
        })
    default = f"{DESIGN.name.lower()} {ANCHOR_BITS} bits"
    same = {repr(found[label]) for label in (default, f"{default}, file", f"{default}, ring")}
    out.append({"data": name, "matcher": "buffer, file and ring sources agree", "value": len(same) == 1})
    return out


def print_rows(name: str, rows: list[dict[str, object]], layout: Layout) -> None:
    print(f"\n## {name} ({layout.chunk // 1024} KiB chunks, {layout.segment // MIB} MiB segments)")
    print(f"{'matcher':<36} {'ratio':>7} {'copied':>7} {'ms/MiB':>7} {'copies':>8}")
    for row in rows:
        if "value" in row:
            print(f"{row['matcher']:<36} {row['value']}")
            continue
        copied = f"{row['copied']:.3f}" if "copied" in row else ""
        cpu = f"{row['cpu_ms_per_mib']:.3f}" if "cpu_ms_per_mib" in row else ""
        print(f"{row['matcher']:<36} {row['ratio']:>7.2f} {copied:>7} {cpu:>7} {row.get('copies', ''):>8}")


def memory_note(window: int) -> None:
    for bits in (8, 10):
        matcher = LongRangeMatcher(window, RingSource(), anchor_bits=bits)
        per_mib = matcher.table_bytes / (window / MIB)
        print(f"anchor table, {bits} anchor bits: {matcher.table_bytes / MIB:.0f} MiB for a {window // MIB} MiB window"
              f" ({per_mib / 1024:.0f} KiB per MiB of window)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="size of the mixed corpus and text (1: 174 + 40 MiB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=int, default=DEFAULT_REFERENCE_WINDOW)
    parser.add_argument("--only", help="run only the data sets whose name contains this")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    memory_note(args.window)
    results: list[dict[str, object]] = []
    for name, data in datasets(args.scale):
        if args.only and args.only not in name:
            continue
        rows = measure(name, data, args.runs, args.window)
        print_rows(name, rows, Layout.of(len(data)))
        results += rows
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
