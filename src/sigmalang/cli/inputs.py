"""Which inputs the command line works on, as gzip and zstd choose them.

- ``-r`` goes into directories (symbolic links to directories are never
  followed, so a walk cannot loop); what it finds is filtered by name:
  compressing skips files that already have the suffix, the other actions
  take only those that have it.
- Inputs that are not regular files are skipped with a message unless ``-f``
  is given: a FIFO would block until some writer opens it (standard input
  is the way to read a pipe), a device never ends, and a symbolic link would
  be followed silently (``--rm`` would then remove the link, not the file).
- ``--exclude-compressed`` (compressing only) skips files whose suffix says
  they are compressed already.
"""

from __future__ import annotations

import argparse
import os
import stat
from typing import Iterator

from ..urls import is_url
from .locations import STDIN, normalize
from .report import UserError, warn

#: Suffixes of compressed files and containers (``--exclude-compressed``).
COMPRESSED_SUFFIXES = frozenset(
    ".sgl .zst .tzst .gz .tgz .bz2 .tbz .tbz2 .xz .txz .lzma .tlz .lz .lz4 .tlz4 .br .z .lzo .sz .7z .zip .rar "
    ".jar .war .whl .apk .epub .docx .xlsx .pptx .odt .ods .odp .png .jpg .jpeg .gif .webp .avif .heic "
    ".mp3 .mp4 .m4a .m4v .mkv .webm .mov .ogg .opus .flac .aac .avi .pdf".split()
)

#: What an input may be: a name to work on, or the problem to report for it.
Input = tuple[str, Exception | None]

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe) -- ignored (use -f to read it, or: sigmalang < NAME)"),
    (stat.S_ISSOCK, "a socket -- ignored"),
    (stat.S_ISCHR, "a character device -- ignored (use -f to read it)"),
    (stat.S_ISBLK, "a block device -- ignored (use -f to read it)"),
)


def inputs(names: list[str], args: argparse.Namespace) -> Iterator[Input]:
    """Every input to process, in order, with directories expanded under ``-r``."""
    for given in names:
        name = normalize(given)
        if name == STDIN or is_url(name):
            yield name, None
        else:
            yield from _examine(name, args, found=False)


def _examine(name: str, args: argparse.Namespace, *, found: bool) -> Iterator[Input]:
    """``name`` if it is to be processed; the problem if not; its files if it is a directory and -r.

    ``found``: met while walking a directory (then names that do not fit the
    action are passed over without a word).
    """
    try:
        info = os.lstat(name)
        if found and not stat.S_ISDIR(info.st_mode) and not _fits_action(name, args):
            return
        if stat.S_ISLNK(info.st_mode):
            if not args.force:
                raise UserError("is a symbolic link -- ignored (use -f to follow it)")
            info = os.stat(name)
            if stat.S_ISDIR(info.st_mode):
                raise UserError("is a symbolic link to a directory -- ignored")
    except (OSError, UserError) as exc:
        yield name, exc
        return
    if stat.S_ISDIR(info.st_mode):
        if args.recursive:
            yield from _walk(name, args)
        else:
            yield name, UserError("is a directory -- ignored (-r goes into directories)")
        return
    if args.action == "compress" and args.exclude_compressed and _looks_compressed(name):
        if args.verbose and not args.quiet:
            warn(f"{name}: already compressed ({os.path.splitext(name)[1]}) -- skipped (--exclude-compressed)")
        return
    for test, what in _KINDS:
        if test(info.st_mode) and not args.force:
            yield name, UserError(f"is {what}")
            return
    yield name, None


def _walk(top: str, args: argparse.Namespace) -> Iterator[Input]:
    """The entries of directory ``top``, depth first, in name order."""
    try:
        entries = sorted(os.scandir(top), key=lambda entry: entry.name)
    except OSError as exc:
        yield top, exc
        return
    for entry in entries:
        yield from _examine(entry.path, args, found=True)


def _fits_action(name: str, args: argparse.Namespace) -> bool:
    """Whether a file found by -r is one the action works on, judged by its suffix."""
    has_suffix = name.endswith(args.suffix) and len(os.path.basename(name)) > len(args.suffix)
    return not has_suffix if args.action == "compress" else has_suffix


def _looks_compressed(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in COMPRESSED_SUFFIXES
