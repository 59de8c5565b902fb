"""sigmalang vs python-zstandard (and the zstd CLI when installed) on the same data, same run.

    python benchmarks/roundtrip.py                 # 64 MiB of the built-in mixed sample
    python benchmarks/roundtrip.py --file big.log  # your own data
    python benchmarks/roundtrip.py --json out.json

Prints ratio and MB/s (10**6 bytes of raw data per second, best of --runs) for
encode and decode, then checks the foundation targets against the peers
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

import zstandard

sys.path.insert(0, str(Path(__file__).parent))
import sigmalang  # noqa: E402
from _timing import best_of  # noqa: E402
from sigmalang.corpus import mixed  # noqa: E402


class NullSink:
    def write(self, data: bytes) -> int:
        return len(data)


def measure(data: bytes, runs: int, level: int, threads: int) -> list[dict[str, object]]:
    mb = len(data) / 1e6
    rows: list[dict[str, object]] = []

    def row(name: str, packed: int, enc: float, dec: float, **extra: object) -> None:
        rows.append({"name": name, "ratio": len(data) / packed, "encode_mb_s": mb / enc, "decode_mb_s": mb / dec, **extra})

    # sigmalang, in memory and streaming (file -> null sink) for decode.
    enc_t, blob = best_of(lambda: sigmalang.compress(data, level, threads=threads), runs)
    dec_t, out = best_of(lambda: sigmalang.decompress(blob, threads=threads), runs)
    assert out == data, "sigmalang round trip failed"
    with tempfile.NamedTemporaryFile(suffix=".sgl") as f:
        f.write(blob)
        f.flush()

        def stream_decode() -> None:
            with open(f.name, "rb") as src:
                sigmalang.StreamingDecoder(threads).decode_stream(src, NullSink())  # type: ignore[arg-type]

        stream_t, _ = best_of(stream_decode, runs)
    row(f"sigmalang -{level} T{threads}", len(blob), enc_t, dec_t, stream_decode_mb_s=mb / stream_t)

    # python-zstandard, level 3 with 2 threads and single-threaded.
    for zt in (threads, 1):
        cctx = zstandard.ZstdCompressor(level=level, threads=zt if zt > 1 else 0)
        enc_t, zblob = best_of(lambda: cctx.compress(data), runs)
        dctx = zstandard.ZstdDecompressor()
        dec_t, zout = best_of(lambda: dctx.decompress(zblob), runs)
        assert zout == data
        with tempfile.NamedTemporaryFile(suffix=".zst") as f:
            f.write(zblob)
            f.flush()

            def zstd_stream_decode() -> None:
                with open(f.name, "rb") as src:
                    dctx.copy_stream(src, NullSink(), read_size=1 << 20, write_size=1 << 20)

            stream_t, _ = best_of(zstd_stream_decode, runs)
        row(f"zstandard -{level} T{zt}", len(zblob), enc_t, dec_t, stream_decode_mb_s=mb / stream_t)

    # The zstd command line, if present (includes process start and file I/O).
    zstd = shutil.which("zstd")
    if zstd:
        with tempfile.TemporaryDirectory() as tmp:
            raw = os.path.join(tmp, "in.bin")
            Path(raw).write_bytes(data)
            enc_t, _ = best_of(lambda: subprocess.run([zstd, f"-{level}", f"-T{threads}", "-q", "-f", raw, "-o", raw + ".zst"], check=True), runs)
            dec_t, _ = best_of(lambda: subprocess.run([zstd, "-d", "-q", "-f", raw + ".zst", "-o", raw + ".out"], check=True), runs)
            row(f"zstd CLI -{level} -T{threads}", os.path.getsize(raw + ".zst"), enc_t, dec_t)
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
    return [
        ("ratio within 1 % of zstd (single frame)", ratio_gap >= 0.99, f"{ratio_gap:.3f} x"),
        (f"encode >= 0.9 x zstandard threads={threads}", enc_rel >= 0.9, f"{enc_rel:.2f} x"),
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
    print(f"{'compressor':<26}{'ratio':>8}{'enc MB/s':>10}{'dec MB/s':>10}{'stream dec':>12}")
    for r in rows:
        stream = f"{r['stream_decode_mb_s']:.0f}" if "stream_decode_mb_s" in r else "-"
        print(f"{r['name']:<26}{r['ratio']:>8.3f}{r['encode_mb_s']:>10.0f}{r['decode_mb_s']:>10.0f}{stream:>12}")
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
