"""Segment size: ratio and encode speed against zstd -3 (threads=2), same run.

    python benchmarks/segments.py [--corpus DIR] [--kind mixed] [--sizes 4,8,16,32,64] [--runs 2]

Uses the adaptive corpus (benchmarks/adaptive_corpus.py; built at scale 1 if
missing). Each segment size compresses the whole input from memory with 2
threads; zstd -3 with 2 threads is timed in the same rounds (best of --runs,
taking turns) as the reference for both ratio and speed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import zstandard

sys.path.insert(0, str(Path(__file__).parent))
import sigmalang  # noqa: E402
from sigmalang.profile.timing import BestTimes  # noqa: E402
from adaptive_corpus import ensure  # noqa: E402

MIB = 1 << 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "sigmalang-corpus")
    parser.add_argument("--kind", default="mixed")
    parser.add_argument("--sizes", default="4,8,16,32,64", help="segment sizes in MiB")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    path = args.corpus / f"{args.kind}.bin"
    if not path.exists():
        ensure(args.corpus, 1.0)
    data = path.read_bytes()
    sizes = [int(s) for s in args.sizes.split(",")]
    encoders = {f"sigmalang -3, {s} MiB segments": sigmalang.StreamingEncoder(3, args.threads, segment_size=s * MIB) for s in sizes}
    zctx = zstandard.ZstdCompressor(level=3, threads=args.threads)
    timer = BestTimes()
    packed: dict[str, int] = {}
    contestants = [("zstd -3", lambda: zctx.compress(data))]
    contestants += [(n, lambda e=e: e.compress(data)) for n, e in encoders.items()]
    for _ in range(args.runs):
        for name, run in contestants:
            packed[name] = len(timer.time(name, run))
    best = timer.best
    mb = len(data) / 1e6
    print(f"{args.kind}: {len(data):,} bytes, {args.threads} threads, best of {args.runs}, {os.cpu_count()} CPUs")
    print(f"{'encoder':<34}{'ratio':>8}{'x zstd':>8}{'MB/s':>8}{'x zstd':>8}")
    for name in best:
        ratio = len(data) / packed[name]
        print(f"{name:<34}{ratio:>8.3f}{packed['zstd -3'] / packed[name]:>8.3f}{mb / best[name]:>8.0f}{best['zstd -3'] / best[name]:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
