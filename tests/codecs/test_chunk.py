"""Chunk-level checksums: every chunk's data and raw bytes are checked, stored ones hashed once."""

import dataclasses
import os

import pytest

import sigmalang
from sigmalang import ChecksumError
from sigmalang.codecs import chunk
from sigmalang.format.constants import Strategy
from sigmalang.format.inspect import chunk_glyphs


def _count_hashed(monkeypatch) -> list[int]:
    hashed: list[int] = []
    for name in ("checksum", "data_digest"):
        real = getattr(chunk, name)
        monkeypatch.setattr(chunk, name, lambda data, real=real: hashed.append(len(data)) or real(data))
    return hashed


@pytest.mark.parametrize("threads", [1, 2])
def test_stored_chunks_are_hashed_once_each_way(monkeypatch, threads):
    data = os.urandom(1 << 20)
    hashed = _count_hashed(monkeypatch)
    blob = sigmalang.StreamingEncoder(threads=threads, chunk_size=1 << 18).compress(data)
    assert {g.strategy for g in chunk_glyphs(blob)} == {Strategy.RAW}
    assert sum(hashed) == len(data)
    hashed.clear()
    assert sigmalang.decompress(blob, threads=threads) == data
    assert sum(hashed) == len(data)


def test_compressed_chunks_hash_data_and_output(monkeypatch):
    data = b"abcdefgh" * (1 << 16)
    hashed = _count_hashed(monkeypatch)
    blob = sigmalang.compress(data, threads=1)
    encoded = sum(len(g.data) for g in chunk_glyphs(blob))
    assert sum(hashed) == len(data) + encoded
    hashed.clear()
    assert sigmalang.decompress(blob, threads=1) == data
    assert sum(hashed) == len(data) + encoded


def test_a_stored_chunk_with_a_wrong_raw_checksum_is_caught():
    data = os.urandom(1 << 16)
    blob = sigmalang.compress(data, threads=1)
    glyph = chunk_glyphs(blob)[0]
    assert glyph.strategy == Strategy.RAW
    assert chunk.decode_chunk(glyph) == data
    wrong = dataclasses.replace(glyph, checksum=glyph.checksum ^ 1)  # data and its own checksum intact
    with pytest.raises(ChecksumError, match="chunk checksum mismatch"):
        chunk.decode_chunk(wrong)
    with pytest.raises(ChecksumError, match="chunk checksum mismatch"):
        chunk.decode_chunk_into(wrong, memoryview(bytearray(len(data))))
    corrupt = bytearray(blob)
    corrupt[blob.index(glyph.checksum.to_bytes(8, "little"), glyph.offset)] ^= 1
    with pytest.raises(sigmalang.FormatError):
        sigmalang.decompress(bytes(corrupt))
