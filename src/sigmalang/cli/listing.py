"""``sigmalang -l FILE...``: one line per file, as ``zstd -l`` prints them, and a total.

Only the glyphs are read (no chunk is decoded), so listing costs a read of
the file; ``sigmalang info`` says more about one file, ``-t`` checks it.
"""

from __future__ import annotations

from typing import Iterable

from ..errors import SigmalangError
from ..format.inspect import StreamInfo, inspect_stream
from ..format.limits import Limits
from .inputs import Input
from .locations import open_input, shown
from .report import UserError, fail, human_bytes

COLUMNS = ("Streams", "Chunks", "Compressed", "Uncompressed", "Ratio", "Index", "Filename")
_LINE = "{:>7}  {:>8}  {:>11}  {:>12}  {:>7}  {:>5}  {}"


def list_files(inputs: Iterable[Input], limits: Limits) -> int:
    """Print the table on stdout (problems on stderr); 1 if any file failed, else 0."""
    print(_LINE.format(*COLUMNS))
    totals = StreamInfo()
    files = failures = 0
    for name, problem in inputs:
        try:
            if problem is not None:
                raise problem
            with open_input(name) as (src, _size):
                info = inspect_stream(src, limits)
        except (UserError, SigmalangError, OSError) as exc:
            fail(shown(name), exc)
            failures += 1
            continue
        print(_row(info, shown(name)))
        files += 1
        totals.streams += info.streams
        totals.chunks += info.chunks
        totals.compressed_size += info.compressed_size
        totals.raw_size += info.raw_size
    if files > 1:
        print("-" * 72)
        print(_LINE.format(totals.streams, totals.chunks, human_bytes(totals.compressed_size),
                           human_bytes(totals.raw_size), f"{totals.ratio:.3f}", "", f"{files} files"))
    return 1 if failures else 0


def _row(info: StreamInfo, name: str) -> str:
    if info.indexed_streams == info.streams:
        indexed = "yes" if info.streams else "-"
    else:
        indexed = "no" if not info.indexed_streams else f"{info.indexed_streams}/{info.streams}"
    return _LINE.format(info.streams, info.chunks, human_bytes(info.compressed_size), human_bytes(info.raw_size),
                        f"{info.ratio:.3f}", indexed, name)
