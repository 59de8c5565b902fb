"""tools/compare_commits.py: two trees timed in turns, one row per measure."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("compare_commits", ROOT / "tools" / "compare_commits.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tree_against_itself_gives_every_measure_a_row(tmp_path):
    tool = _tool()
    sample = tmp_path / "sample.txt"
    sample.write_bytes(b"a line of text that repeats\n" * 20_000)
    rows = tool.compare(str(ROOT / "src"), str(ROOT / "src"), str(sample), rounds=2, repeat=1, no_refs=True)
    assert [row.split()[1:3] for row in rows] == [["encode", "old"], ["decode", "T2"], ["decode", "T1"]]
    for row in rows:
        ratio = float(row.rsplit(" ", 1)[1])
        assert ratio > 0 and row.startswith("sample.txt")
