"""Fixtures shared by test folders."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest


@pytest.fixture
def memory_dir() -> Iterator[str]:
    """A fresh folder of fsspec's in-memory file system (this process only), removed afterwards."""
    fsspec = pytest.importorskip("fsspec")
    folder = f"memory://sigmalang-test-{uuid.uuid4().hex}"
    yield folder
    fs = fsspec.filesystem("memory")
    if fs.exists(folder):
        fs.rm(folder, recursive=True)
