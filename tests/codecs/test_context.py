"""The pool of zstd decompression contexts that segments share across calls."""

from __future__ import annotations

import os
import threading

import zstandard

import sigmalang
from sigmalang.codecs.context import DECOMPRESSORS, DecompressorPool


def test_a_context_given_back_is_taken_again_and_never_twice():
    pool = DecompressorPool(keep=2)
    first, second = pool.take(), pool.take()
    assert first is not second
    pool.give(first)
    assert pool.take() is first
    assert len(pool) == 0


def test_the_pool_keeps_at_most_keep_contexts_and_none_too_large():
    pool = DecompressorPool(keep=2, max_bytes=1 << 30)
    for dctx in [zstandard.ZstdDecompressor() for _ in range(3)]:
        pool.give(dctx)
    assert len(pool) == 2
    small = DecompressorPool(keep=2, max_bytes=1)
    small.give(zstandard.ZstdDecompressor())
    assert len(small) == 0


def test_segments_decode_with_the_contexts_of_the_previous_call(monkeypatch):
    # A context made for every call cost a window buffer and its fresh pages per
    # segment frame: the lanes' threads are kept between calls, and with them
    # the context each took.
    words = [os.urandom(4).hex() for _ in range(500)]
    data = "".join(f"{i} {words[i % 500]} {words[i * 7 % 500]} ok\n" for i in range(400_000)).encode()
    blob = sigmalang.compress(data, chunk_size=1 << 20, references=False)
    assert sigmalang.decompress(blob, threads=2) == data
    taken = []
    take = DECOMPRESSORS.take
    monkeypatch.setattr(DECOMPRESSORS, "take", lambda: taken.append(1) or take())
    assert sigmalang.decompress(blob, threads=2) == data
    assert sigmalang.decompress(blob, threads=2) == data
    assert taken == []


def test_a_thread_gives_its_context_back_when_it_ends():
    pool = DecompressorPool()
    got: list[zstandard.ZstdDecompressor] = []

    def decode_somewhere() -> None:
        got.append(pool.for_this_thread())
        assert pool.for_this_thread() is got[0]  # one context per thread

    for _ in range(3):
        worker = threading.Thread(target=decode_somewhere)
        worker.start()
        worker.join()
    assert len(pool) == 1
    assert all(dctx is got[0] for dctx in got)  # each new thread took the one the last gave back
