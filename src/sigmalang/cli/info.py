"""``sigmalang info`` (structure without decoding) and ``sigmalang verify`` (full decode)."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from ..errors import SigmalangError
from ..format.inspect import StreamInfo, inspect_stream
from . import types
from .locations import normalize, open_input
from .memory import limits_for
from .report import UserError, fail, human_bytes

#: Width given to tables when not on a terminal: wide enough that nothing wraps.
_UNWRAPPED = 1 << 12


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sigmalang info", description="Show the structure of .sgl files: streams, chunks, strategies, ratio, index.")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line, one line per file (for scripts)")
    parser.add_argument("-M", "--memory", type=types.byte_size, default=None, metavar="SIZE",
                        help="refuse streams declaring a larger reference window, chunk or dictionary")
    args = parser.parse_args(argv)
    failures = 0
    console = _console()
    limits = limits_for(args.memory)
    for name in args.files:
        try:
            with open_input(normalize(name)) as (f, _size):
                info = inspect_stream(f, limits)
        except (SigmalangError, UserError, OSError) as exc:
            fail(name, exc)
            failures += 1
            continue
        if args.json:
            print(json.dumps({"file": name, **info.as_dict()}))
        else:
            _print_info(console, name, info)
    return 1 if failures else 0


def _console() -> Console:
    """The terminal's width on a terminal; elsewhere (a pipe, a file) lines are never wrapped,
    so each stays one line for grep and friends."""
    console = Console()
    return console if console.is_terminal else Console(soft_wrap=True, width=_UNWRAPPED)


def _print_info(console: Console, name: str, info: StreamInfo) -> None:
    console.print(f"[bold]{name}[/bold]")
    console.print(
        f"  {human_bytes(info.raw_size)} raw in {human_bytes(info.compressed_size)} "
        f"(ratio {info.ratio:.3f}); {info.streams} stream(s), {info.chunks} chunks "
        f"(largest {human_bytes(info.largest_chunk)}), {info.dictionaries} dictionaries"
    )
    indexed = "yes" if info.indexed_streams == info.streams else f"{info.indexed_streams} of {info.streams} streams"
    console.print(
        f"  index: {indexed}; chunk checksums: xxh3-64 on every chunk (not verified by info; use verify); "
        f"framing overhead {info.overhead_bytes} bytes"
    )
    window = human_bytes(info.reference_window) if info.reference_window else "none"
    console.print(f"  reference window: {window} (output a streaming decoder keeps for REFERENCE copies)")
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("strategy", "chunks", "raw", "encoded", "ratio"):
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for strategy, use in sorted(info.strategies.items()):
        table.add_row(strategy, str(use.chunks), human_bytes(use.raw_bytes), human_bytes(use.encoded_bytes), f"{use.ratio:.3f}")
    console.print(table)
