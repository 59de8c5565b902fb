"""``sigmalang demo``: compress the built-in sample, check the round trip, and
compare with python-zstandard measured in the same run."""

from __future__ import annotations

import argparse
import time
from typing import Callable

import zstandard
from rich.console import Console
from rich.table import Table

from .. import compress, decompress
from ..corpus import MIX, mixed
from ..settings import DEFAULT_LEVEL, available_cores
from . import types


def _best_time(func: Callable[[], object], runs: int) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(runs):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sigmalang demo", description="Compress a generated sample of mixed data and compare with zstd.")
    parser.add_argument("--size", type=int, default=32, metavar="MB", help="sample size in MiB (default 32)")
    parser.add_argument("--level", type=types.level, default=DEFAULT_LEVEL)
    parser.add_argument("-T", "--threads", type=types.threads, default=0, metavar="N", help="threads (0 = all cores)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the best is shown (default 3)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.runs < 1:
        parser.error("--size and --runs must be at least 1")
    console = Console()
    threads = args.threads or available_cores()
    shares = ", ".join(f"{k} {v:.0%}" for k, v in MIX.items())
    console.print(f"Generating {args.size} MiB of mixed sample data ({shares}) ...")
    data = mixed(args.size << 20)
    mb = len(data) / 1e6

    enc_time, packed = _best_time(lambda: compress(data, args.level, threads=threads), args.runs)
    dec_time, restored = _best_time(lambda: decompress(packed, threads=threads), args.runs)  # type: ignore[arg-type]
    if restored != data:
        console.print("[bold red]Round trip FAILED: decoded bytes differ from the input[/bold red]")
        return 1
    zc = zstandard.ZstdCompressor(level=args.level, threads=threads if threads > 1 else 0)
    z_enc_time, z_packed = _best_time(lambda: zc.compress(data), args.runs)
    zd = zstandard.ZstdDecompressor()
    z_dec_time, _ = _best_time(lambda: zd.decompress(z_packed), args.runs)  # type: ignore[arg-type]

    table = Table(title=f"{len(data):,} bytes, level {args.level}, {threads} threads, best of {args.runs}")
    for column in ("compressor", "ratio", "compress MB/s", "decompress MB/s"):
        table.add_column(column, justify="left" if column == "compressor" else "right")
    table.add_row("sigmalang", f"{len(data) / len(packed):.3f}", f"{mb / enc_time:.0f}", f"{mb / dec_time:.0f}")  # type: ignore[arg-type]
    table.add_row(
        f"zstandard {zstandard.__version__} (threads={threads}; decode 1 thread)",
        f"{len(data) / len(z_packed):.3f}",  # type: ignore[arg-type]
        f"{mb / z_enc_time:.0f}",
        f"{mb / z_dec_time:.0f}",
    )
    console.print(table)
    console.print("[green]Round trip OK[/green]: decoded bytes equal the input; every chunk checksum verified.")
    return 0
