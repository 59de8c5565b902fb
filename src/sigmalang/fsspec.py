"""fsspec integration: ``.sgl`` as an fsspec compression.

After ``import sigmalang``, ``fsspec.open("s3://bucket/x.sgl", "rb",
compression="infer")`` decodes (and ``"wb"`` encodes) on any fsspec file
system. fsspec has no entry-point group for compressions: a package calls
``fsspec.compression.register_compression`` itself. Importing fsspec takes
tens of milliseconds, more than ``import sigmalang`` should spend on an
integration many programs never use, so :func:`install` registers at once
only when fsspec's compression module is already imported, and otherwise
asks to be called back when it is (a one-shot finder on ``sys.meta_path``
that runs the registration right after that module has executed).

URLs as file names of ``sigmalang.open`` and the command line are
``sigmalang.urls``.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Sequence

from .stream.fileobj import SigmalangFile

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

#: The module whose import the registration waits for: it holds the registry.
HOOKED_MODULE = "fsspec.compression"
#: Name and file extension under which fsspec knows the format.
COMPRESSION = "sgl"


def compression_file(infile: BinaryIO, mode: str = "rb", **kwargs: Any) -> SigmalangFile:
    """The callback fsspec calls with the opened file and mode "r" or "w"."""
    return SigmalangFile(None, mode if mode.endswith("b") else mode + "b", fileobj=infile, **kwargs)


def register() -> None:
    """Register ``.sgl`` with fsspec now (imports fsspec); calling it again changes nothing."""
    from fsspec.compression import register_compression

    register_compression(COMPRESSION, compression_file, COMPRESSION, force=True)


def _register_quietly() -> None:
    """Registration run from inside fsspec's import: a failure must not break fsspec."""
    try:
        register()
    except Exception as exc:  # noqa: BLE001 - any failure only costs the integration
        warnings.warn(f"sigmalang could not register its fsspec compression: {exc}", RuntimeWarning, stacklevel=2)


def install() -> None:
    """Register now if fsspec is imported, else once it is; never imports fsspec itself."""
    if HOOKED_MODULE in sys.modules:
        _register_quietly()
    elif not any(isinstance(finder, AfterImport) and finder.name == HOOKED_MODULE for finder in sys.meta_path):
        sys.meta_path.insert(0, AfterImport(HOOKED_MODULE, _register_quietly))


class AfterImport:
    """A one-shot ``sys.meta_path`` finder: runs ``action`` right after module ``name`` executes.

    It finds the module's spec through the finders after it, so the module
    loads as it would have, and wraps the spec's loader; it leaves
    ``sys.meta_path`` on its first call for ``name``.
    """

    def __init__(self, name: str, action: Callable[[], None]) -> None:
        self.name = name
        self.action = action

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(fullname, path, target) if find_spec is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _LoaderThen(spec.loader, self.action)
                return spec
        return None

    def invalidate_caches(self) -> None:
        """Nothing cached (``importlib.invalidate_caches`` calls every finder)."""


class _LoaderThen:
    """A loader that runs ``action`` after the wrapped one executed the module."""

    def __init__(self, loader: Any, action: Callable[[], None]) -> None:
        self._loader = loader
        self._action = action

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        self._action()

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... for tracebacks and inspect
        return getattr(self._loader, name)
