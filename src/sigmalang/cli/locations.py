"""Where the command line reads and writes: standard streams, local paths, or fsspec URLs.

Local files keep every guarantee of ``AtomicOutput`` (written beside the
target, renamed when complete, with the input's permissions and times).
A URL's output is written in an fsspec transaction, which the file system
commits only when the file is complete (object stores upload at commit;
a failure discards the upload). ``file://`` URLs are plain local paths.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from ..urls import is_url, url_to_fs
from .atomic import AtomicOutput
from .report import UserError

STDIN = "-"


def shown(name: str) -> str:
    """How messages name an input."""
    return "<stdin>" if name == STDIN else name


def normalize(name: str) -> str:
    """``file://`` URLs become local paths; anything else is returned unchanged."""
    if is_url(name) and name.startswith("file://"):
        _, path = url_to_fs(name)
        return path
    return name


@contextmanager
def open_input(name: str) -> Iterator[tuple[BinaryIO, int | None]]:
    """The input and its size when known (regular files and URLs); closed afterwards unless stdin."""
    if name == STDIN:
        yield sys.stdin.buffer, None
        return
    if is_url(name):
        fs, path = url_to_fs(name)
        try:
            size = fs.size(path)
        except FileNotFoundError:  # fsspec's carries no errno: say it as for a local file
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name) from None
        with fs.open(path, "rb") as src:
            yield src, size
        return
    info = os.stat(name)
    if stat.S_ISDIR(info.st_mode):
        raise UserError("is a directory -- ignored")
    with open(name, "rb") as src:
        yield src, (info.st_size if stat.S_ISREG(info.st_mode) else None)


def exists(target: str) -> bool:
    """Whether ``target`` exists (a dangling symbolic link counts: it would be replaced)."""
    if is_url(target):
        fs, path = url_to_fs(target)
        return bool(fs.exists(path))
    return os.path.lexists(target)


def same_file(name: str, target: str) -> bool:
    """Whether input ``name`` and output ``target`` are one file."""
    if name == STDIN or is_url(name) or is_url(target):
        return name == target
    return os.path.exists(target) and os.path.samefile(name, target)


@contextmanager
def open_output(target: str, *, overwrite: bool, copy_stat_from: str | None) -> Iterator[BinaryIO]:
    """A file that becomes ``target`` only when the block ends without an exception."""
    if not is_url(target):
        source = copy_stat_from if copy_stat_from is not None and not is_url(copy_stat_from) else None
        with AtomicOutput(target, overwrite=overwrite, copy_stat_from=source) as out:
            yield out
        return
    fs, path = url_to_fs(target)
    with fs.transaction, fs.open(path, "wb") as out:
        yield out


def remove(name: str) -> None:
    """Delete an input after success (``--rm``)."""
    if is_url(name):
        fs, path = url_to_fs(name)
        fs.rm(path)
    else:
        os.unlink(name)
