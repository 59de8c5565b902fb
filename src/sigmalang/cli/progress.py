"""Progress display on stderr (rich), only where a person is watching."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import BinaryIO, Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from ..stream.reader import read_some

#: Inputs smaller than this finish too fast for a bar to help.
MIN_BYTES_FOR_BAR = 32 * 1024 * 1024


class CountingReader:
    """Wraps a binary source and reports every byte read to a callback."""

    def __init__(self, raw: BinaryIO, advance: Callable[[int], None]) -> None:
        self._raw = raw
        self._advance = advance

    def readinto(self, b: memoryview) -> int:
        n = read_some(self._raw, b)
        if n:
            self._advance(n)
        return n or 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._advance(len(data))
        return data

    def fileno(self) -> int:
        return self._raw.fileno()


def wants_bar(setting: bool | None, size: int | None) -> bool:
    """``--progress`` forces it, ``--no-progress`` hides it, otherwise large inputs on a terminal."""
    if setting is not None:
        return setting
    return sys.stderr.isatty() and (size is None or size >= MIN_BYTES_FOR_BAR)


@contextmanager
def progress_reader(src: BinaryIO, label: str, size: int | None, enabled: bool) -> Iterator[BinaryIO]:
    if not enabled:
        yield src
        return
    console = Console(stderr=True)
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=size)
        yield CountingReader(src, lambda n: bar.advance(task, n))  # type: ignore[misc]
