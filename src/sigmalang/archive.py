"""``.tar.sgl`` archives: the ``"sgltar"`` format of ``shutil.make_archive`` and ``unpack_archive``.

Both are registered with shutil when sigmalang is imported (two dictionary
entries; tarfile itself is imported only when an archive is made or
unpacked), so after ``import sigmalang``::

    shutil.make_archive("backup", "sgltar", root_dir="project")   # -> backup.tar.sgl
    shutil.unpack_archive("backup.tar.sgl", "restored")

The tar stream goes through ``sigmalang.open`` in both directions without
seeking (``tarfile`` modes ``"w|"`` and ``"r|"``), as ``tar -I sigmalang`` would
write and read it. As with shutil's own formats the archive is written in
place; a failure removes the partial archive. Unpacking applies tarfile's
``"data"`` filter unless another is given, where tarfile has filters.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING, Any, Callable

from .stream.fileobj import SigmalangFile

if TYPE_CHECKING:
    import tarfile
    from logging import Logger

FORMAT = "sgltar"
SUFFIX = ".tar.sgl"
DESCRIPTION = "sigmalang'ed tar-file"


def make_tarball(
    base_name: str,
    base_dir: str,
    verbose: int = 0,
    dry_run: int = 0,
    owner: str | None = None,
    group: str | None = None,
    logger: Logger | None = None,
    root_dir: str | None = None,
) -> str:
    """Archive ``base_dir`` (relative to ``root_dir``) into ``base_name + ".tar.sgl"``; return its name."""
    import tarfile

    archive_name = os.fspath(base_name) + SUFFIX
    folder = os.path.dirname(archive_name)
    if folder and not os.path.exists(folder):
        if logger is not None:
            logger.info("creating %s", folder)
        if not dry_run:
            os.makedirs(folder)
    if logger is not None:
        logger.info("Creating tar archive")
    if not dry_run:
        source = base_dir if root_dir is None else os.path.join(root_dir, base_dir)
        owned = _owner_filter(owner, group)
        try:
            with SigmalangFile(archive_name, "wb") as packed, tarfile.open(fileobj=packed, mode="w|") as tar:
                tar.add(source, base_dir, filter=owned)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(archive_name)  # no partial archive left behind
            raise
    return os.path.abspath(archive_name) if root_dir is not None else archive_name


make_tarball.supports_root_dir = True  # type: ignore[attr-defined]  # shutil passes root_dir instead of chdir


def unpack_tarball(filename: str, extract_dir: str, *, filter: str | Callable[..., Any] | None = None) -> None:  # noqa: A002
    """Extract the ``.tar.sgl`` archive ``filename`` into ``extract_dir``."""
    import tarfile

    options: dict[str, Any] = {}
    if hasattr(tarfile, "data_filter"):  # extraction filters (3.12, and 3.8-3.11 security releases)
        options["filter"] = filter if filter is not None else "data"
    with SigmalangFile(filename, "rb") as packed:
        try:
            with tarfile.open(fileobj=packed, mode="r|") as tar:
                tar.extractall(extract_dir, **options)
        except tarfile.ReadError as exc:
            raise shutil.ReadError(f"{filename} does not hold a tar archive: {exc}") from exc


def _owner_filter(owner: str | None, group: str | None) -> Callable[[tarfile.TarInfo], tarfile.TarInfo]:
    """A tarfile filter giving every member ``owner``/``group`` (names; unknown ones keep their ids)."""
    uid = _lookup("pwd", "getpwnam", "pw_uid", owner)
    gid = _lookup("grp", "getgrnam", "gr_gid", group)

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
        if group is not None:
            info.gname = group
            if gid is not None:
                info.gid = gid
        if owner is not None:
            info.uname = owner
            if uid is not None:
                info.uid = uid
        return info

    return owned


def _lookup(module: str, function: str, field: str, name: str | None) -> int | None:
    """The id of a user or group name, or None (no name, unknown name, no such database here)."""
    if name is None:
        return None
    try:
        entry = getattr(__import__(module), function)(name)
    except (ImportError, KeyError):
        return None
    return int(getattr(entry, field))


def register() -> None:
    """Register ``"sgltar"`` with shutil; unpacking only if no format claims ``.tar.sgl`` yet
    (shutil refuses a second claim, even by the same name)."""
    shutil.register_archive_format(FORMAT, make_tarball, description=DESCRIPTION)
    if not any(SUFFIX in extensions for _, extensions, _ in shutil.get_unpack_formats()):
        shutil.register_unpack_format(FORMAT, [SUFFIX], unpack_tarball, description=DESCRIPTION)
