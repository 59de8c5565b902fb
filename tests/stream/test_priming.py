"""Primed segments: a structured segment's frame starts with earlier output as its dictionary."""

import json

import pytest

import sigmalang
from sigmalang import FormatError, StreamingDecoder, StreamingEncoder, corpus
from sigmalang.format.constants import CHUNK_PRIMED
from sigmalang.format.inspect import chunk_glyphs as chunks
from sigmalang.stream.segments import SegmentPlanner


def records(count: int, first_id: int = 0) -> bytes:
    """NDJSON whose text recurs with new ids, like logs of a repeating job."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()
    lines = []
    for i in range(count):
        text = " ".join(words[(i * 7 + k) % len(words)] for k in range(20 + i % 17))
        lines.append(json.dumps({"id": first_id + i, "kind": words[i % 5], "text": text, "n": i % 97}))
    return ("\n".join(lines) + "\n").encode()


# Periods of 400 records (about 80 KB) whose ids change each time; segments of 160 KB.
DATA = b"".join(records(400, first_id=k * 10_000) for k in range(30))


def encode(data: bytes, **kw) -> bytes:
    return StreamingEncoder(threads=2, chunk_size=40_000, segment_size=160_000, **kw).compress(data)


def test_structured_segments_after_the_first_are_primed_and_smaller(monkeypatch):
    primed = encode(DATA)
    flags = [c for c in chunks(primed) if c.flags & CHUNK_PRIMED]
    assert len(flags) == len(DATA) // 160_000  # every segment but the first
    assert all(c.prime == (160_000, 40_000) for c in flags)  # the previous segment's first chunk
    assert not any(c.flags & CHUNK_PRIMED for c in chunks(encode(DATA, reference_window=0)))  # no history kept
    monkeypatch.setattr(SegmentPlanner, "_prime_for", lambda self, raw, position, detection: None)
    unprimed = encode(DATA)
    assert not any(c.flags & CHUNK_PRIMED for c in chunks(unprimed))
    assert len(primed) < 0.85 * len(unprimed)


@pytest.mark.parametrize("threads", [1, 2])
def test_primed_streams_decode_on_every_path(tmp_path, threads):
    blob = encode(DATA)
    assert sigmalang.decompress(blob, threads=threads) == DATA
    decoder = StreamingDecoder(threads)
    out = b"".join(b"".join(decoder.feed(blob[i : i + 999])) for i in range(0, len(blob), 999))
    assert out + b"".join(decoder.flush()) == DATA
    (tmp_path / "p.sgl").write_bytes(blob)
    StreamingDecoder(threads).decode_file(tmp_path / "p.sgl", tmp_path / "p.out")
    assert (tmp_path / "p.out").read_bytes() == DATA
    with sigmalang.open(tmp_path / "p.sgl") as f:
        f.seek(len(DATA) - 5000)
        assert f.read() == DATA[-5000:]


def test_text_is_not_primed():
    text = corpus.log_text(700_000)
    assert not any(c.flags & CHUNK_PRIMED for c in chunks(encode(text)))


def _with_prime(blob: bytes, distance: int | None = None, drop_flag: bool = False) -> bytes:
    """The stream with its first primed chunk's prime distance replaced (same length field)."""
    chunk = next(c for c in chunks(blob) if c.flags & CHUNK_PRIMED)
    out = bytearray(blob)
    payload = chunk.offset + 1 + next(i for i in range(1, 6) if not blob[chunk.offset + i] & 0x80)
    if drop_flag:
        out[payload] &= ~CHUNK_PRIMED
        return bytes(out)
    params_length = blob[payload + 2]
    at = payload + 3 + params_length  # the prime distance field
    old = sigmalang.format.varint.encode_uleb128(chunk.prime[0])
    new = sigmalang.format.varint.encode_uleb128(distance).ljust(len(old), b"\x80")
    assert len(new) == len(old)
    if len(old) > 1:  # keep the field's length: pad with continuation bytes, then a final 0
        new = bytes(b | 0x80 for b in new[:-1]) + bytes([new[-1] & 0x7F])
    out[at : at + len(old)] = new
    return bytes(out)


def test_a_prime_reaching_before_the_stream_is_a_format_error():
    blob = encode(DATA)
    with pytest.raises(FormatError) as info:
        sigmalang.decompress(_with_prime(blob, distance=(1 << 21) - 1))
    assert info.value.offset is not None


def test_a_lost_primed_flag_is_caught_not_misdecoded():
    blob = encode(DATA)
    with pytest.raises(FormatError):  # the chunk's data no longer parses as it was written
        sigmalang.decompress(_with_prime(blob, drop_flag=True))


def test_primed_chunk_in_a_stream_without_window_is_rejected():
    blob = bytearray(encode(DATA))
    blob[5] = 0
    with pytest.raises(FormatError, match="without history|END checksum"):
        sigmalang.decompress(bytes(blob))


def listing(count: int, seed: int) -> bytes:
    """NDJSON records that never recur: a file listing with random sizes and hashes."""
    import random

    rng = random.Random(seed)
    lines = []
    for i in range(count):
        name = "/".join(f"{rng.getrandbits(24):06x}" for _ in range(3))
        lines.append(json.dumps({"path": name, "size": rng.getrandbits(20), "sha": f"{rng.getrandbits(64):016x}", "n": i}))
    return ("\n".join(lines) + "\n").encode()


def test_prime_pays_only_for_records_that_recur():
    from sigmalang.codecs.context import _raw_dictionary, prime_pays

    assert prime_pays(_raw_dictionary(records(400)), records(400, first_id=10_000))
    assert not prime_pays(_raw_dictionary(listing(2000, seed=1)), listing(2000, seed=2))


def test_a_prime_that_does_not_pay_is_left_out():
    data = listing(8000, seed=3)
    blob = encode(data)
    assert not any(c.flags & CHUNK_PRIMED for c in chunks(blob))
    assert sigmalang.decompress(blob) == data
    # Records that recur take it, in the same stream, where they start a segment.
    mixed = data[: len(data) // 160_000 * 160_000] + DATA
    primed = [c for c in chunks(encode(mixed)) if c.flags & CHUNK_PRIMED]
    assert primed and all(c.prime[0] >= 160_000 for c in primed)
