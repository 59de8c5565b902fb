"""``sigmalang bench [PATH ...]``: sigmalang beside zstd, zlib, lzma, lz4, brotli and blosc2,
measured in the same run on the same data."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import cast

from ..bench.plot import plot_pareto
from ..bench.report import print_bench
from ..profile.report import console_for_tables
from ..bench.runner import MIB, BenchInput, BenchSettings, builtin_input, run_bench
from ..profile.data import KIND_NAMES
from . import types


def _path(value: str) -> str:
    if not os.path.isfile(value):
        raise argparse.ArgumentTypeError(f"no such file: {value!r}")
    if os.path.getsize(value) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is empty")
    return value


_levels = types.int_list(types.level, "1,3,9,19")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigmalang bench",
        description="Compare sigmalang with other compressors on the same data in the same run: ratio, "
        "compress and decompress MB/s (best of --runs), peak memory of each call (child process RSS). "
        "With no PATH, the built-in generated sample (the one 'sigmalang demo' uses).",
    )
    parser.add_argument("paths", nargs="*", type=_path, metavar="PATH", help="files to compress (default: the built-in sample)")
    parser.add_argument("--size", type=types.positive, default=32, metavar="MIB", help="size of the built-in sample in MiB (default 32)")
    parser.add_argument("--data", choices=KIND_NAMES, default="mixed", help="which built-in sample (default mixed)")
    parser.add_argument("--runs", type=types.positive, default=3, metavar="N", help="timed runs per measurement; best shown (default 3)")
    parser.add_argument("--budget", type=types.seconds, default=5.0, metavar="SECONDS",
                        help="stop repeating a measurement after this long, after at least one run (default 5)")
    parser.add_argument("-T", "--threads", type=types.threads, default=0, metavar="N",
                        help="threads for sigmalang, python-zstandard, blosc2 and the zstd CLI (0 = all cores)")
    parser.add_argument("--levels", type=_levels, default=(1, 3, 9, 19), metavar="L,...", help="sigmalang levels (default 1,3,9,19)")
    parser.add_argument("--cap", type=types.positive, default=4, metavar="MIB",
                        help="slow codecs (level 19, lzma) are measured on the first MIB of each input (default 4)")
    parser.add_argument("--typesize", type=types.positive, default=None, metavar="BYTES",
                        help="element size of numeric PATH inputs: enables blosc2 with byte shuffle on them")
    parser.add_argument("--no-cli", action="store_true", help="leave out the zstd command line")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="ratio vs compress speed with the Pareto frontier")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        parser.error(f"argument --plot: expected a .png file name, got {str(args.plot)!r}")
    if args.typesize is not None and args.typesize > 255:
        parser.error(f"argument --typesize: must be at most 255, got {args.typesize}")
    console = console_for_tables()
    say = None if args.quiet else (lambda message: console.print(f"[dim]{message}[/dim]"))
    settings = BenchSettings(runs=args.runs, budget=args.budget, threads=args.threads, cap=args.cap * MIB,
                             typesize=args.typesize or 8, sigmalang_levels=args.levels, zstd_cli=not args.no_cli)
    with tempfile.TemporaryDirectory(prefix="sigmalang-bench-") as tmp:
        if args.paths:
            inputs = [BenchInput(p, os.path.abspath(p), numeric=args.typesize is not None) for p in args.paths]
        else:
            if say:
                say(f"generating {args.size} MiB of the built-in {args.data} sample")
            inputs = [builtin_input(args.data, args.size * MIB, tmp)]
        doc = run_bench(inputs, settings, say)
    if args.plot is not None:
        files: list[str] = []
        skipped = None
        items = cast("list[dict[str, object]]", doc["inputs"])
        for i, item in enumerate(items):
            target = args.plot if i == 0 else args.plot.with_name(f"{args.plot.stem}-{i + 1}.png")
            made, skipped = plot_pareto(item, target)
            files += made
        doc["charts"] = {"files": files, "skipped": skipped}
    print_bench(doc, console)
    if args.json is not None:
        args.json.write_text(json.dumps(doc, indent=1))
        console.print(f"wrote {args.json}")
    return 0
