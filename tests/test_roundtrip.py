"""Byte-exact round trips through every entry point, and reproducible output."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import StreamingDecoder, StreamingEncoder
from sigmalang.settings import MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, choose_chunk_size

payloads = st.one_of(
    st.binary(max_size=5000),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=50), st.integers(1, 400)),
)


class ShortReads(io.RawIOBase):
    """A source that returns at most ``step`` bytes per read, like a pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self._step, len(self._data) - self._pos)
        b[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n


@settings(max_examples=80, deadline=None)
@given(payloads, st.integers(1, 3000), st.sampled_from([1, 2, 3]), st.integers(1, 19))
def test_compress_decompress_round_trip(data, chunk_size, threads, level):
    blob = sigmalang.compress(data, level, threads=threads, chunk_size=chunk_size)
    assert sigmalang.decompress(blob, threads=threads) == data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads, st.integers(1, 2000), st.data())
def test_push_decoder_accepts_input_split_at_any_byte(data, chunk_size, choice):
    blob = sigmalang.compress(data, chunk_size=chunk_size) * 2
    cuts = sorted(choice.draw(st.lists(st.integers(0, len(blob)), max_size=15)))
    threads = choice.draw(st.sampled_from([1, 2]))
    decoder = StreamingDecoder(threads)
    out = []
    previous = 0
    for cut in cuts + [len(blob)]:
        out.extend(decoder.feed(blob[previous:cut]))
        previous = cut
    out.extend(decoder.flush())
    assert b"".join(out) == data * 2


@settings(max_examples=40, deadline=None)
@given(payloads, st.integers(1, 2000), st.integers(1, 700))
def test_output_does_not_depend_on_threads_or_read_sizes(data, chunk_size, step):
    reference = sigmalang.compress(data, chunk_size=chunk_size, threads=1)
    for threads in (2, 4):
        assert sigmalang.compress(data, chunk_size=chunk_size, threads=threads) == reference
    out = io.BytesIO()
    StreamingEncoder(chunk_size=chunk_size, threads=2).encode_stream(ShortReads(data, step), out)
    assert out.getvalue() == reference


def test_file_stream_and_bytes_give_identical_output(tmp_path):
    data = bytes(range(256)) * 3000  # 768000 bytes: several chunks by the size rule
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    StreamingEncoder(threads=2).encode_file(src, tmp_path / "out.sgl")
    assert (tmp_path / "out.sgl").read_bytes() == sigmalang.compress(data, threads=1)
    out = io.BytesIO()
    StreamingEncoder(threads=3).encode_stream(ShortReads(data, 999), out, size=len(data))
    assert out.getvalue() == sigmalang.compress(data)


@pytest.mark.parametrize("size_from_chunk", [0, 1, -1, 0.5])
def test_edge_sizes_around_one_chunk(size_from_chunk):
    chunk = 1000
    size = 1 if size_from_chunk == 0.5 else chunk + int(size_from_chunk)
    data = bytes((i * 7) % 251 for i in range(size))
    blob = sigmalang.compress(data, chunk_size=chunk)
    assert sigmalang.decompress(blob) == data


def test_empty_input_round_trips_to_a_complete_stream():
    blob = sigmalang.compress(b"")
    assert blob.startswith(b"\xce\xa3LG")
    assert sigmalang.decompress(blob) == b""


def test_concatenated_streams_decode_as_their_join():
    parts = [b"first part " * 100, b"", b"x", bytes(5000)]
    blob = b"".join(sigmalang.compress(p, chunk_size=700) for p in parts)
    assert sigmalang.decompress(blob) == b"".join(parts)


def test_incompressible_chunks_are_stored_raw_and_never_grow_much():
    import os

    data = os.urandom(300_000)
    encoder = StreamingEncoder()
    blob = encoder.compress(data)
    assert len(blob) <= len(data) + 200
    chunks = -(-len(data) // choose_chunk_size(len(data)))
    assert encoder.get_stats().strategies == {"RAW": chunks}
    assert sigmalang.decompress(blob) == data


def test_chunk_size_rule_scales_with_input_and_stays_in_bounds():
    assert choose_chunk_size(0) == MIN_CHUNK_SIZE
    assert choose_chunk_size(1 << 20) == 256 * 1024
    assert choose_chunk_size(1 << 30) == MAX_CHUNK_SIZE
    assert choose_chunk_size(None) == MAX_CHUNK_SIZE


def test_memoryview_and_bytearray_inputs_are_accepted():
    data = bytearray(b"abc" * 1000)
    assert sigmalang.decompress(sigmalang.compress(memoryview(data))) == bytes(data)
    assert sigmalang.compress(data) == sigmalang.compress(bytes(data))
