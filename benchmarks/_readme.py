"""Rewrite a benchmark's block of the README between its markers."""

from __future__ import annotations

from pathlib import Path


def markers(script: str) -> tuple[str, str]:
    return f"<!-- benchmarks/{script}: begin -->", f"<!-- benchmarks/{script}: end -->"


def replace_block(path: Path, script: str, text: str) -> None:
    """Put ``text`` between the markers of ``script`` in ``path`` (which must hold both)."""
    begin, end_marker = markers(script)
    page = path.read_text()
    start, end = page.index(begin) + len(begin), page.index(end_marker)
    path.write_text(page[:start] + "\n" + text.strip() + "\n" + page[end:])
