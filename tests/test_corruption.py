"""Bad input: every flipped byte and every truncation is caught and positioned."""

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import ChecksumError, FormatError, StreamingDecoder, TruncatedError

DATA = b"The quick brown fox jumps over the lazy dog. " * 60 + bytes(range(256)) * 4
BLOB = sigmalang.compress(DATA, chunk_size=700)  # several PATTERN chunks, INDEX, END


def test_sample_stream_has_several_chunks():
    from sigmalang.format.inspect import inspect_stream

    assert inspect_stream(io.BytesIO(BLOB)).chunks >= 4


@pytest.mark.parametrize("threads", [1, 2])
def test_a_flipped_byte_anywhere_is_detected(threads):
    for position in range(len(BLOB)):
        for mask in (0x01, 0x80):
            corrupt = bytearray(BLOB)
            corrupt[position] ^= mask
            with pytest.raises(FormatError) as info:
                sigmalang.decompress(bytes(corrupt), threads=threads)
            assert info.value.offset is not None, f"no offset for a flip at {position}"
            assert 0 <= info.value.offset <= len(BLOB)


def test_every_bit_of_every_chunk_field_is_covered():
    # A flipped flag may still decode to the right bytes (a standalone frame marked
    # SHARED is read as the start of a segment's frame): data_checksum covers the fields.
    from sigmalang.format.inspect import chunk_glyphs
    from sigmalang.format.varint import decode_uleb128

    for glyph in chunk_glyphs(BLOB):
        _, start = decode_uleb128(BLOB, glyph.offset + 1)  # the payload starts with the fields
        for position in range(start, start + len(glyph.fields)):
            for bit in range(8):
                corrupt = bytearray(BLOB)
                corrupt[position] ^= 1 << bit
                with pytest.raises(FormatError):
                    sigmalang.decompress(bytes(corrupt))


def test_a_flipped_data_byte_raises_checksum_error_naming_its_chunk():
    # RAW chunks: the data is stored as is, so only a checksum can notice.
    raw = os.urandom(3000)
    blob = bytearray(sigmalang.compress(raw, chunk_size=1000))
    position = 6 + 20  # inside the first chunk's stored data
    blob[position] ^= 0xFF
    with pytest.raises(ChecksumError) as info:
        sigmalang.decompress(bytes(blob))
    assert info.value.offset == 6  # the first CHUNK glyph starts right after the header


@pytest.mark.parametrize("threads", [1, 2])
def test_truncation_at_every_offset_raises_truncated_error(threads):
    for cut in range(len(BLOB)):
        with pytest.raises(TruncatedError) as info:
            sigmalang.decompress(BLOB[:cut], threads=threads)
        assert info.value.offset == cut


@settings(max_examples=50, deadline=None)
@given(st.integers(0, len(BLOB) - 1), st.integers(1, 255), st.data())
def test_corruption_is_caught_by_the_push_decoder_whatever_the_splits(position, mask, data):
    corrupt = bytearray(BLOB)
    corrupt[position] ^= mask
    cuts = sorted(data.draw(st.lists(st.integers(0, len(BLOB)), max_size=6)))
    decoder = StreamingDecoder(2)
    with pytest.raises(FormatError):
        previous = 0
        for cut in cuts + [len(corrupt)]:
            list(decoder.feed(bytes(corrupt[previous:cut])))
            previous = cut
        list(decoder.flush())


def test_errors_are_value_errors_and_sigmalang_errors():
    with pytest.raises(ValueError):
        sigmalang.decompress(b"not a stream")
    with pytest.raises(sigmalang.SigmalangError):
        sigmalang.decompress(b"not a stream")


def test_error_message_names_the_offset():
    with pytest.raises(TruncatedError, match=r"at byte offset 10\b"):
        sigmalang.decompress(BLOB[:10])


def _primed_blob() -> bytes:
    """NDJSON over segments of two chunks: every segment after the first is PRIMED."""
    import json

    lines = [json.dumps({"id": i, "kind": "abcde"[i % 5], "text": "alpha beta gamma " * (1 + i % 7)}) for i in range(900)]
    return sigmalang.StreamingEncoder(threads=1, chunk_size=4096, segment_size=8192).compress("\n".join(lines).encode())


@pytest.mark.parametrize("threads", [1, 2])
def test_primed_flag_on_a_frame_already_started_is_a_format_error(threads):
    # Setting PRIMED on a chunk that continues a started frame (or CONTINUES on a
    # PRIMED chunk, joining it to the previous segment's frame) once raised a plain
    # ValueError from the segment context: the prime was applied before any checksum.
    from sigmalang.format.constants import CHUNK_CONTINUES, CHUNK_PRIMED, CHUNK_SHARED
    from sigmalang.format.inspect import chunk_glyphs
    from sigmalang.format.varint import decode_uleb128

    blob = _primed_blob()
    glyphs = list(chunk_glyphs(blob))
    assert any(g.flags & CHUNK_PRIMED for g in glyphs)
    flipped = 0
    for glyph in glyphs:
        _, flags_at = decode_uleb128(blob, glyph.offset + 1)
        for flag in (CHUNK_CONTINUES, CHUNK_PRIMED):
            corrupt = bytearray(blob)
            corrupt[flags_at] ^= flag
            if corrupt[flags_at] & (CHUNK_PRIMED | CHUNK_CONTINUES | CHUNK_SHARED) != CHUNK_PRIMED | CHUNK_CONTINUES | CHUNK_SHARED:
                continue
            flipped += 1
            with pytest.raises(FormatError) as info:
                sigmalang.decompress(bytes(corrupt), threads=threads)
            assert info.value.offset is not None
    assert flipped >= 4
