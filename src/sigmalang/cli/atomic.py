"""Atomic output files: write beside the target, then rename; never leave a partial file."""

from __future__ import annotations

import os
import secrets
import shutil
from types import TracebackType
from typing import BinaryIO


class AtomicOutput:
    """A temporary file in the target's folder that becomes the target on success.

    On an exception the temporary file is removed and the target (if it
    existed) is untouched. ``overwrite=False`` refuses an existing target at
    commit time too, so a file that appeared meanwhile is not clobbered.
    """

    def __init__(self, target: str, *, overwrite: bool, copy_stat_from: str | None = None) -> None:
        self.target = target
        self.overwrite = overwrite
        self.copy_stat_from = copy_stat_from
        self._file: BinaryIO | None = None
        self._tmp_path: str | None = None

    def __enter__(self) -> BinaryIO:
        folder = os.path.dirname(os.path.abspath(self.target))
        base = "." + os.path.basename(self.target)
        for _ in range(100):
            candidate = os.path.join(folder, f"{base}.{secrets.token_hex(4)}.tmp")
            try:
                # Mode 0o666 less the umask, as for any new file (mkstemp would make it 0o600).
                # Readable too: a decoder writing it reads REFERENCE copies back from it.
                fd = os.open(candidate, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            except FileExistsError:
                continue
            except OSError as exc:
                # Name the file the user asked for, not our hidden temporary name.
                raise OSError(exc.errno, exc.strerror, self.target) from None
            self._tmp_path = candidate
            break
        else:
            raise FileExistsError(f"could not create a temporary file beside {self.target}")
        self._file = os.fdopen(fd, "w+b")
        return self._file

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._file is not None and self._tmp_path is not None
        try:
            if exc_type is None:
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if exc_type is not None:
                return
            if self.copy_stat_from is not None:
                shutil.copystat(self.copy_stat_from, self._tmp_path)
            if self.overwrite:
                os.replace(self._tmp_path, self.target)
            else:
                _link_new(self._tmp_path, self.target)
            self._tmp_path = None
            _fsync_folder(os.path.dirname(os.path.abspath(self.target)))
        finally:
            if self._tmp_path is not None and os.path.exists(self._tmp_path):
                os.unlink(self._tmp_path)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable: until the folder is synced, a crash may lose the new
    name, so a caller must not delete the source (``--rm``) before this returns."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # folders cannot be opened everywhere (Windows): nothing more to do
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse to sync a folder; the file itself is synced
    finally:
        os.close(fd)


def _link_new(source: str, target: str) -> None:
    """Move ``source`` to ``target`` only if ``target`` does not exist.

    ``link()`` fails when the target exists, so there is no window for a race;
    where hard links are not supported, fall back to check-then-rename.
    """
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(source, target)
    else:
        os.unlink(source)
