"""Regular files are read and written by position by the workers themselves."""

import io
import os

import pytest

import sigmalang
from sigmalang import StreamingDecoder, StreamingEncoder, corpus
from sigmalang.stream.reader import positional_chunks
from sigmalang.pool import BufferPool

DATA = corpus.log_text(3 << 20)


def test_a_file_gives_the_same_bytes_as_compressing_it_in_memory(tmp_path):
    src = tmp_path / "in.log"
    src.write_bytes(DATA)
    for threads in (1, 2, 3):
        StreamingEncoder(threads=threads).encode_file(src, tmp_path / "out.sgl")
        assert (tmp_path / "out.sgl").read_bytes() == sigmalang.compress(DATA), threads


def test_positional_chunks_need_a_regular_file_with_exactly_size_bytes_left(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1000)
    pool = BufferPool(400)
    with open(path, "rb") as f:
        f.seek(100)
        chunks = positional_chunks(f, 900, 400, pool)
        assert chunks is not None
        loaded = [bytes(c.load()[0]) for c in chunks]
        assert [len(c) for c in loaded] == [400, 400, 100]
        assert positional_chunks(f, 1000, 400, pool) is None  # size disagrees with the file
    assert positional_chunks(io.BytesIO(b"x" * 10), 10, 4, pool) is None


def test_a_file_that_shrinks_while_being_compressed_raises(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA)
    with open(path, "rb") as f:
        chunks = list(positional_chunks(f, len(DATA), 1 << 20, BufferPool(1 << 20)))
        os.truncate(path, 1000)
        with pytest.raises(OSError, match="shrank"):
            chunks[1].load()


def test_bytes_appended_after_the_size_was_taken_are_still_compressed(tmp_path):
    path = tmp_path / "grow.log"
    path.write_bytes(DATA)
    out = io.BytesIO()
    with open(path, "rb") as src:
        size = len(DATA)
        with open(path, "ab") as appender:
            appender.write(b"late line\n")
        StreamingEncoder(threads=2).encode_stream(src, out, size=size)
    assert sigmalang.decompress(out.getvalue()) == DATA + b"late line\n"


def test_decoding_to_a_regular_file_writes_in_place_and_leaves_the_position_at_the_end(tmp_path):
    blob = sigmalang.compress(DATA)
    target = tmp_path / "out.bin"
    with open(target, "wb") as dst:
        dst.write(b"HEADER")
        stats = StreamingDecoder(2).decode_stream(io.BytesIO(blob), dst)
        assert dst.tell() == 6 + len(DATA)
        dst.write(b"TAIL")
    assert target.read_bytes() == b"HEADER" + DATA + b"TAIL"
    assert stats.bytes_out == len(DATA)


def test_decoding_to_a_file_in_append_mode_still_writes_in_order(tmp_path):
    blob = sigmalang.compress(DATA)
    target = tmp_path / "out.bin"
    target.write_bytes(b"OLD")
    with open(target, "ab") as dst:
        StreamingDecoder(2).decode_stream(io.BytesIO(blob), dst)
    assert target.read_bytes() == b"OLD" + DATA


def test_a_damaged_stream_decoded_to_a_file_raises(tmp_path):
    blob = bytearray(sigmalang.compress(DATA))
    blob[len(blob) // 2] ^= 0x40
    with open(tmp_path / "out.bin", "wb") as dst, pytest.raises(sigmalang.FormatError):
        StreamingDecoder(2).decode_stream(io.BytesIO(bytes(blob)), dst)
