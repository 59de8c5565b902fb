"""Atomic output files: write beside the target, then rename; never leave a partial file."""

from __future__ import annotations

import os
import shutil
import tempfile
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
        try:
            fd, self._tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(self.target) + ".", suffix=".tmp", dir=folder)
        except OSError as exc:
            # Name the file the user asked for, not our hidden temporary name.
            raise OSError(exc.errno, exc.strerror, self.target) from None
        self._file = os.fdopen(fd, "wb")
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
            else:
                os.chmod(self._tmp_path, _new_file_mode())
            if self.overwrite:
                os.replace(self._tmp_path, self.target)
            else:
                _link_new(self._tmp_path, self.target)
            self._tmp_path = None
        finally:
            if self._tmp_path is not None and os.path.exists(self._tmp_path):
                os.unlink(self._tmp_path)


def _new_file_mode() -> int:
    """Mode an ordinary new file gets (0o666 less the umask): ``mkstemp`` makes 0o600 files."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


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
