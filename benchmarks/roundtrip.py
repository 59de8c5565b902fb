"""sigmalang vs python-zstandard (and the zstd CLI when installed) on the same data, same run.

    python benchmarks/roundtrip.py                 # 64 MiB of the built-in mixed sample
    python benchmarks/roundtrip.py --file big.log  # your own data
    python benchmarks/roundtrip.py --json out.json

Prints ratio and MB/s (10**6 bytes of raw data per second, best of --runs,
the compressors taking turns in every round) for encode and decode, then checks the foundation targets against the peers
measured in this run: ratio within 1 % of zstd -3; encode >= 0.9 x zstandard
level 3 with threads=2; decode >= 1.0 x zstandard single-thread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

import zstandard

import sigmalang
from sigmalang.profile.timing import BestTimes, turns
from sigmalang.corpus import mixed


class NullSink:
    def write(self, data: bytes) -> int:
        return len(data)


class Contestant(BestTimes):
    """One compressor's operations, timed in turns with the others (see ``measure``)."""

    def __init__(self, name: str, encode: Callable[[], bytes], decode: Callable[[bytes], bytes],
                 stream_decode: Callable[[str], None] | None) -> None:
        super().__init__()
        self.name = name
        self.encode = encode
        self.decode = decode
        self.stream_decode = stream_decode
        self.blob = b""


def _sigmalang(level: int, threads: int, data: bytes, references: bool | None = None) -> Contestant:
    def stream_decode(path: str) -> None:
        with open(path, "rb") as src:
            sigmalang.StreamingDecoder(threads).decode_stream(src, NullSink())  # type: ignore[arg-type]

    encoder = sigmalang.StreamingEncoder(level, threads, references=references)
    flag = {None: "", True: " --refs", False: " --no-refs"}[references]
    name = f"sigmalang -{level} T{threads}{flag}"
    return Contestant(name, lambda: encoder.compress(data), lambda blob: sigmalang.decompress(blob, threads=threads), stream_decode)


def _zstandard(level: int, threads: int, data: bytes) -> Contestant:
    cctx = zstandard.ZstdCompressor(level=level, threads=threads if threads > 1 else 0)
    dctx = zstandard.ZstdDecompressor()

    def stream_decode(path: str) -> None:
        with open(path, "rb") as src:
            dctx.copy_stream(src, NullSink(), read_size=1 << 20, write_size=1 << 20)

    return Contestant(f"zstandard -{level} T{threads}", lambda: cctx.compress(data), dctx.decompress, stream_decode)


def _zstd_cli(level: int, threads: int, data: bytes, tmp: str) -> Contestant | None:
    zstd = shutil.which("zstd")
    if not zstd:
        return None
    raw = os.path.join(tmp, "in.bin")
    Path(raw).write_bytes(data)

    def encode() -> bytes:
        subprocess.run([zstd, f"-{level}", f"-T{threads}", "-q", "-f", raw, "-o", raw + ".zst"], check=True)
        return Path(raw + ".zst").read_bytes()

    def decode(_blob: bytes) -> bytes:
        subprocess.run([zstd, "-d", "-q", "-f", raw + ".zst", "-o", raw + ".out"], check=True)
        return Path(raw + ".out").read_bytes()

    return Contestant(f"zstd CLI -{level} -T{threads}", encode, decode, None)


def measure(data: bytes, runs: int, level: int, threads: int) -> list[dict[str, object]]:
    """Best of ``runs`` for every operation of every contestant, taken in turns:
    each round times every contestant once, so a slow spell of the machine
    hits all of them rather than one."""
    mb = len(data) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        contestants = [
            _sigmalang(level, threads, data),
            _sigmalang(level, threads, data, references=False),
            _zstandard(level, threads, data),
            _zstandard(level, 1, data),
        ]
        cli = _zstd_cli(level, threads, data, tmp)
        if cli is not None:
            contestants.append(cli)
        for c in turns(contestants, runs):
            c.blob = c.time("encode", c.encode)  # type: ignore[assignment]
            assert c.time("decode", lambda: c.decode(c.blob)) == data, f"{c.name}: round trip failed"
            if c.stream_decode is not None:
                path = os.path.join(tmp, "stream.bin")
                Path(path).write_bytes(c.blob)
                c.time("stream", lambda: c.stream_decode(path))  # type: ignore[misc]
        rows: list[dict[str, object]] = []
        for c in contestants:
            row = {"name": c.name, "ratio": len(data) / len(c.blob), "encode_mb_s": mb / c.best["encode"],
                   "decode_mb_s": mb / c.best["decode"]}
            if "stream" in c.best:
                row["stream_decode_mb_s"] = mb / c.best["stream"]
            rows.append(row)
    return rows


def check_targets(rows: list[dict[str, object]], level: int, threads: int) -> list[tuple[str, bool, str]]:
    by_name = {r["name"]: r for r in rows}
    ours = by_name[f"sigmalang -{level} T{threads}"]
    z_par = by_name[f"zstandard -{level} T{threads}"]
    z_one = by_name[f"zstandard -{level} T1"]
    ratio_gap = ours["ratio"] / z_one["ratio"]  # type: ignore[operator]
    enc_rel = ours["encode_mb_s"] / z_par["encode_mb_s"]  # type: ignore[operator]
    dec_rel = ours["decode_mb_s"] / z_one["decode_mb_s"]  # type: ignore[operator]
    stream_rel = ours["stream_decode_mb_s"] / z_one["decode_mb_s"]  # type: ignore[operator]
    others = [r for r in rows if str(r["name"]).startswith(f"sigmalang -{level} T{threads} --")]
    return [
        ("ratio within 1 % of zstd (single frame)", ratio_gap >= 0.99, f"{ratio_gap:.3f} x"),
        (f"encode >= 0.9 x zstandard threads={threads}", enc_rel >= 0.9, f"{enc_rel:.2f} x"),
        *(
            (f"  the same for {other['name']} (not the default)", rel >= 0.9, f"{rel:.2f} x")
            for other in others
            for rel in [other["encode_mb_s"] / z_par["encode_mb_s"]]  # type: ignore[operator]
        ),
        ("decode (bytes -> bytes) >= 1.0 x zstandard single-thread", dec_rel >= 1.0, f"{dec_rel:.2f} x"),
        ("decode (file -> sink) >= 1.0 x zstandard single-thread", stream_rel >= 1.0, f"{stream_rel:.2f} x"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, help="data to use (default: the built-in mixed sample)")
    parser.add_argument("--size", type=int, default=64, help="MiB of built-in sample (default 64)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--level", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    data = args.file.read_bytes() if args.file else mixed(args.size << 20)
    rows = measure(data, args.runs, args.level, args.threads)
    print(f"{len(data):,} bytes ({args.file or 'built-in mixed sample'}), best of {args.runs}, {os.cpu_count()} CPUs")
    print(f"{'compressor':<40}{'ratio':>8}{'enc MB/s':>10}{'dec MB/s':>10}{'stream dec':>12}")
    for r in rows:
        stream = f"{r['stream_decode_mb_s']:.0f}" if "stream_decode_mb_s" in r else "-"
        print(f"{r['name']:<40}{r['ratio']:>8.3f}{r['encode_mb_s']:>10.0f}{r['decode_mb_s']:>10.0f}{stream:>12}")
    targets = check_targets(rows, args.level, args.threads)
    print()
    for name, ok, value in targets:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    if args.json:
        args.json.write_text(json.dumps({"bytes": len(data), "runs": args.runs, "rows": rows, "targets": [
            {"target": n, "pass": ok, "value": v} for n, ok, v in targets]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
