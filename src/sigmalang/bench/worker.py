"""One codec on one input, in a fresh process: ``python -m sigmalang.bench.worker ...``.

Times ``--runs`` compressions and decompressions (best and mean, stopping early
after ``--budget`` seconds), checks the round trip, and reads the peak RSS of
each phase above the RSS before it (Linux: the high-water mark is reset before
each phase). A child per codec keeps one codec's memory out of another's.
"""

from __future__ import annotations

import argparse
import json

from ..profile.memory import own_rss, peak_since_reset, reset_peak
from ..profile.timing import timed_runs
from .codecs import Spec, make


def _peak_above(baseline: int, resettable: bool) -> int | None:
    peak = peak_since_reset() if resettable else None
    return None if peak is None else max(0, peak - baseline)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m sigmalang.bench.worker")
    parser.add_argument("--family", required=True)
    parser.add_argument("--level", type=int)
    parser.add_argument("--variant", default="")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--typesize", type=int, default=8)
    parser.add_argument("--input", required=True)
    parser.add_argument("--limit", type=int, help="measure on at most this many bytes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=None, help="stop repeating after this many seconds")
    args = parser.parse_args(argv)
    with open(args.input, "rb") as f:
        data = f.read(args.limit) if args.limit else f.read()
    if args.family == "blosc2":
        data = data[: len(data) - len(data) % args.typesize]  # whole elements only
    compress, decompress = make(Spec(args.family, args.level, variant=args.variant), args.threads, args.typesize)

    before = own_rss()
    resettable = reset_peak()
    packed = timed_runs(lambda: compress(data), args.runs, args.budget)
    compress_peak = _peak_above(before, resettable)
    blob = packed.result
    packed = packed.__class__(packed.times, b"")  # keep the times, not a second reference
    before = own_rss()
    resettable = reset_peak()
    unpacked = timed_runs(lambda: decompress(blob), args.runs, args.budget)
    decompress_peak = _peak_above(before, resettable)
    if unpacked.result != data:
        raise SystemExit(f"{args.family} -{args.level}: round trip FAILED")
    report = {
        "input_bytes": len(data),
        "compressed_bytes": len(blob),
        "compress_times": packed.times,
        "decompress_times": unpacked.times,
        "compress_peak_bytes": compress_peak,
        "decompress_peak_bytes": decompress_peak,
        "peak_measured": resettable,
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
