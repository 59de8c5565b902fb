"""``sigmalang profile``: peak memory and speed over input sizes, beside a whole-buffer zstd baseline."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ..profile.data import KIND_NAMES
from ..profile.plot import plot_profile
from ..profile.report import console_for_tables, print_profile
from ..profile.runner import DEFAULT_SIZES_MIB, FULL_EXTRA_MIB, MIB, ProfileSettings, run_profile
from ..settings import DEFAULT_LEVEL
from . import types

MODES = {"encode": ("encode",), "decode": ("decode",), "both": ("encode", "decode")}
PATHS = {"file": ("sigmalang-file", "whole"), "pipe": ("sigmalang-pipe", "whole"), "both": ("sigmalang-file", "sigmalang-pipe", "whole")}


_sizes = types.int_list(types.bounded_int(1, None, "whole MiB"), "1,4,16")


def _data(value: str) -> str:
    if value in KIND_NAMES:
        return value
    if not os.path.isfile(value):
        raise argparse.ArgumentTypeError(f"expected {', '.join(KIND_NAMES)} or an existing file, got {value!r}")
    if os.path.getsize(value) == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is empty: nothing to repeat")
    return os.path.abspath(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigmalang profile",
        description="Measure peak memory (child process RSS, sampled over time), Python-heap peak and MB/s of "
        "encoding and decoding over input sizes, file to file and through a pipe, beside zstd on the whole buffer in "
        "memory; then check peak RSS near 1 GiB and its growth over 64 MiB..1 GiB against the targets. Each run is "
        "a fresh process. Writes profile.json and, with matplotlib, PNG charts.",
    )
    parser.add_argument("--sizes", type=_sizes, default=None, metavar="MIB,...",
                        help=f"input sizes in MiB (default {','.join(map(str, DEFAULT_SIZES_MIB))})")
    parser.add_argument("--full", action="store_true", help=f"also {','.join(map(str, FULL_EXTRA_MIB))} MiB")
    parser.add_argument("--runs", type=types.positive, default=3, metavar="N", help="timed runs per point (default 3)")
    parser.add_argument("--mode", choices=tuple(MODES), default="both", help="what to measure (default both)")
    parser.add_argument("--path", choices=tuple(PATHS), default="both",
                        help="how sigmalang reads and writes: file to file (input read by position), through a pipe "
                        "(input of unknown size read in sequence, output to a null sink), or both (default)")
    parser.add_argument("-T", "--threads", type=types.threads, default=0, metavar="N", help="threads (0 = all cores)")
    parser.add_argument("--level", type=types.level, default=DEFAULT_LEVEL, metavar="N", help=f"level (default {DEFAULT_LEVEL})")
    parser.add_argument("--data", type=_data, default="mixed", metavar="KIND|PATH",
                        help=f"{', '.join(KIND_NAMES)}, or a file repeated to each size (default mixed)")
    parser.add_argument("--out", type=Path, default=Path("profile-out"), metavar="DIR",
                        help="where profile.json and the charts go (default ./profile-out)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    sizes_mib = args.sizes or DEFAULT_SIZES_MIB
    if args.full:
        sizes_mib = tuple(sorted({*sizes_mib, *FULL_EXTRA_MIB}))
    settings = ProfileSettings(
        sizes=tuple(s * MIB for s in sizes_mib), runs=args.runs, modes=MODES[args.mode],
        threads=args.threads, level=args.level, data=args.data, engines=PATHS[args.path],
    )
    console = console_for_tables()
    progress = None if args.quiet else (lambda message: console.print(f"[dim]{message}[/dim]"))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        console.print(f"sigmalang profile: cannot create --out {args.out}: {exc}")
        return 1
    doc = run_profile(settings, progress)
    files, skipped = plot_profile(doc, args.out)
    doc["charts"] = {"files": files, "skipped": skipped}
    path = args.out / "profile.json"
    path.write_text(json.dumps(doc, indent=1))
    print_profile(doc, console)
    console.print(f"wrote {path}")
    return 0
