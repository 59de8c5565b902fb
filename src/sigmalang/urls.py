"""fsspec URLs as file names (``memory://``, ``file://``, ``s3://`` with s3fs, chained
``simplecache::https://...``), for ``sigmalang.open`` and the command line.

fsspec is imported only when a URL is opened: it is an optional dependency.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO, TypeGuard

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

# "proto://..." (two letters at least, so "C://x" stays a Windows path) or chained "a::b://...";
# compiled on first use (re caches it), not at import.
_URL = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*::)*[A-Za-z][A-Za-z0-9+.\-]+://"


def is_url(name: object) -> TypeGuard[str]:
    """Whether ``name`` is an fsspec URL rather than a local path."""
    return isinstance(name, str) and re.match(_URL, name) is not None


def require() -> ModuleType:
    """The fsspec module, or an error that says how to install it."""
    try:
        import fsspec
    except ImportError:
        raise ImportError("fsspec URLs need fsspec: pip install 'sigmalang[fsspec]'") from None
    return fsspec


def url_to_fs(url: str) -> tuple[AbstractFileSystem, str]:
    """The file system and path an fsspec URL names (chained URLs included)."""
    require()
    from fsspec.core import url_to_fs as split

    fs, path = split(url)
    return fs, path


def open_url(url: str, mode: str) -> BinaryIO:
    """A binary file object for ``url`` in ``mode`` ("rb", "wb", "ab", "xb")."""
    fs, path = url_to_fs(url)
    return fs.open(path, mode)
