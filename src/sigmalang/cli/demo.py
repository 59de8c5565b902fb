"""``sigmalang demo``: compress the built-in sample, check the round trip, and
compare with python-zstandard measured the careful way, in the same run.

The two take turns, round after round (each round compresses and decompresses
with both), and each keeps its best time, with the spread of its runs shown: a
slow spell of a shared machine then falls on both, not on whichever happened
to run through it. Compression runs with the same threads on both sides;
python-zstandard decompresses on one thread (it has no other way), sigmalang
with the same threads as it compresses, and the table says so.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable

import zstandard
from rich.console import Console
from rich.table import Table

from .. import compress, decompress
from ..corpus import MIX, mixed
from ..profile.timing import BestTimes, turns
from ..settings import DEFAULT_LEVEL, available_cores
from . import types


@dataclass
class Contestant:
    name: str
    encode: Callable[[], bytes]
    decode: Callable[[bytes], bytes]
    decode_threads: int
    packed: bytes = b""


def contestants(data: bytes, level: int, threads: int) -> list[Contestant]:
    zc = zstandard.ZstdCompressor(level=level, threads=threads if threads > 1 else 0)
    zd = zstandard.ZstdDecompressor()
    return [
        Contestant("sigmalang", lambda: compress(data, level, threads=threads), lambda b: decompress(b, threads=threads), threads),
        Contestant("zstandard", lambda: zc.compress(data), zd.decompress, 1),
    ]


def race(players: list[Contestant], data: bytes, rounds: int) -> BestTimes | None:
    """Every contestant compresses and decompresses once a round, in turns; None if a
    round trip gave back other bytes than the input."""
    times = BestTimes()
    for c in turns(players, rounds):
        c.packed = times.time(f"{c.name} encode", c.encode)
        if times.time(f"{c.name} decode", lambda: c.decode(c.packed)) != data:
            return None
    return times


def speed(mb: float, times: BestTimes, label: str) -> str:
    return f"{mb / times.best[label]:.0f} +{times.spread(label):.0%}"


def report(console: Console, players: list[Contestant], times: BestTimes, size: int, level: int, threads: int, rounds: int) -> None:
    mb = size / 1e6
    table = Table(title=f"{size:,} bytes, level {level}, best of {rounds} rounds taking turns",
                  caption=f"MB/s: 10^6 input bytes per second in the best run; +N%: how much slower the slowest run was.\n"
                  f"python-zstandard {zstandard.__version__} decompresses on one thread only.", caption_justify="left")
    for column in ("compressor", "ratio", "compress MB/s", "decompress MB/s", "threads (c/d)"):
        table.add_column(column, justify="left" if column == "compressor" else "right")
    for c in players:
        table.add_row(c.name, f"{size / len(c.packed):.3f}", speed(mb, times, f"{c.name} encode"),
                      speed(mb, times, f"{c.name} decode"), f"{threads} / {c.decode_threads}")
    console.print(table)
    ours, peer = (p.name for p in players)
    best = times.best
    console.print(
        f"sigmalang vs zstandard: compress {best[f'{peer} encode'] / best[f'{ours} encode']:.2f} x "
        f"(both {threads} threads), decompress {best[f'{peer} decode'] / best[f'{ours} decode']:.2f} x "
        f"(sigmalang {threads} threads, zstandard 1)."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sigmalang demo", description="Compress a generated sample of mixed data and compare with zstd.")
    parser.add_argument("--size", type=int, default=32, metavar="MB", help="sample size in MiB (default 32)")
    parser.add_argument("--level", type=types.level, default=DEFAULT_LEVEL)
    parser.add_argument("-T", "--threads", type=types.threads, default=0, metavar="N", help="threads (0 = all cores)")
    parser.add_argument("--runs", type=int, default=5, help="rounds, both compressors in turns; the best is shown (default 5)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.runs < 1:
        parser.error("--size and --runs must be at least 1")
    console = Console()
    threads = args.threads or available_cores()
    shares = ", ".join(f"{k} {v:.0%}" for k, v in MIX.items())
    console.print(f"Generating {args.size} MiB of mixed sample data ({shares}) ...")
    data = mixed(args.size << 20)
    players = contestants(data, args.level, threads)
    times = race(players, data, args.runs)
    if times is None:
        console.print("[bold red]Round trip FAILED: decoded bytes differ from the input[/bold red]")
        return 1
    report(console, players, times, len(data), args.level, threads, args.runs)
    console.print("[green]Round trip OK[/green]: decoded bytes equal the input in every round; every chunk checksum verified.")
    return 0
