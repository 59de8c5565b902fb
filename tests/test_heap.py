"""Freed heap memory goes back to the system during long encodes and decodes."""

import sys

import pytest

import sigmalang
from sigmalang import heap
from sigmalang.corpus import mixed


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_release_free_memory_calls_the_c_library():
    assert heap.release_free_memory() is True


def test_periodic_trim_counts_bytes(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "release_free_memory", lambda: calls.append(1) or True)
    trim = heap.PeriodicTrim(1000)
    for _ in range(9):
        trim.count(300)  # 2,700 bytes: trims at 1,200 and 2,400
    assert trim.trims == len(calls) == 2
    assert heap.PeriodicTrim().interval == heap.TRIM_INTERVAL


@pytest.mark.parametrize("threads", [1, 2])
def test_encoder_and_decoder_trim_as_they_go(monkeypatch, threads):
    data = mixed(1 << 20)
    calls = []
    monkeypatch.setattr(heap, "TRIM_INTERVAL", 128 * 1024)
    monkeypatch.setattr(heap, "release_free_memory", lambda: calls.append(1) or True)
    blob = sigmalang.StreamingEncoder(threads=threads, chunk_size=64 * 1024).compress(data)
    assert len(calls) == len(data) // (128 * 1024)
    calls.clear()
    assert sigmalang.decompress(blob, threads=threads) == data
    assert len(calls) == len(data) // (128 * 1024)
