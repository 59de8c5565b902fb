"""``sigmalang salvage FILE``: write every intact chunk of a damaged or truncated file,
and say which raw ranges are missing."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import SigmalangError
from ..salvage import SalvageReport, salvage
from .args import SUFFIX
from .atomic import AtomicOutput
from .report import fail, human_bytes

SALVAGED = ".salvaged"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigmalang salvage",
        description="Recover the intact chunks of a damaged or truncated .sgl file. Missing bytes of known "
        "length are written as zeros, so later data keeps its offset; the missing ranges are listed. "
        "Exit status 0 when nothing is missing, 1 otherwise.",
    )
    parser.add_argument("file", metavar="FILE", help="the damaged file")
    parser.add_argument("-o", "--output", metavar="OUT", help=f"where to write (default: FILE without {SUFFIX}, plus {SALVAGED})")
    parser.add_argument("-f", "--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    target = args.output or args.file.removesuffix(SUFFIX) + SALVAGED
    if os.path.lexists(target) and not args.force:
        fail(args.file, FileExistsError(f"{target} already exists; not overwritten (use -f to overwrite)"))
        return 1
    try:
        with open(args.file, "rb") as src, AtomicOutput(target, overwrite=args.force) as out:
            report = salvage(src, out)
    except (SigmalangError, OSError, ValueError) as exc:
        fail(args.file, exc)
        return 1
    if not args.quiet:
        _print_report(args.file, target, report)
    return 0 if report.complete else 1


def _print_report(name: str, target: str, report: SalvageReport) -> None:
    print(
        f"sigmalang: {name}: recovered {report.chunks_recovered} chunks, {human_bytes(report.bytes_recovered)} "
        f"of {report.streams} stream(s), written to {target} ({human_bytes(report.bytes_written)})",
        file=sys.stderr,
    )
    for m in report.missing:
        size = f"{m.length} bytes" if m.length is not None else "bytes of unknown length"
        filled = " (zeros written)" if m.length else ""
        print(f"  missing: {size} at output offset {m.output_offset}{filled}, input offset {m.input_offset}: {m.reason}",
              file=sys.stderr)
    if report.complete:
        print("  nothing is missing", file=sys.stderr)
