"""The optional native modules (``_matcher.c``, ``_shuffle.c``), each None where it was not built.

An install without a C compiler still works: the long-range matcher then finds
no copies (and copy tables are resolved a copy at a time), and DELTA shuffles
with numpy.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def optional(name: str) -> ModuleType | None:
    """``sigmalang.codecs.<name>``, or None when it was built without a C compiler."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None
