"""Many users at once (tools/load.py): threads in one process, and processes side by
side, each round trip byte-exact and memory bounded. The full runs are ``slow``;
docs/RELIABILITY.md gives their command and result."""

import json
import subprocess
import sys

import pytest

import load
from load import process_load


def _threads_round_trip(streams: int) -> None:
    # In a fresh interpreter: what earlier tests left in this one would blur a growth this small.
    command = [sys.executable, load.__file__, "threads", "--threads", "8", "--streams", str(streams), "--batches", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    first, second = json.loads(result.stdout)  # as much work again: memory must not keep growing
    assert first["failures"] == [] == second["failures"] and first["round_trips"] == 8 * streams
    assert second["rss_trimmed_mib"] - first["rss_trimmed_mib"] < 16
    assert second["rss_after_mib"] < 400  # what the allocator keeps for reuse, bounded too


def test_eight_threads_round_trip_small_streams():
    _threads_round_trip(100)


@pytest.mark.slow
def test_eight_threads_round_trip_a_thousand_small_streams_each():
    _threads_round_trip(1000)


def _processes(size: int, peak_mib: float) -> None:
    reports = process_load(4, size, threads=1)
    assert all(r["exact"] for r in reports), reports
    assert all(r["peak_mib"] < peak_mib for r in reports), reports


def test_four_processes_encode_at_once():
    _processes(32 << 20, peak_mib=300)


@pytest.mark.slow
def test_four_processes_encode_a_gibibyte_each_at_once():
    _processes(1 << 30, peak_mib=300)
