"""The push parser: any split of the input, strict structure, positioned errors."""

import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

import sigmalang
from sigmalang import FormatError, LimitError, TruncatedError
from sigmalang.format.constants import GLYPH_CHUNK, GLYPH_END, HEADER, SKIPPABLE
from sigmalang.format.glyphs import encode_glyph
from sigmalang.format.limits import Limits
from sigmalang.format.parser import ChunkGlyph, GlyphParser, StreamEnd, StreamStart
from sigmalang.format.varint import encode_uleb128

SAMPLE = bytes(range(256)) * 40 + b"tail"


def parse_all(blob: bytes, splits=(), limits: Limits = Limits()):
    parser = GlyphParser(limits)
    events = []
    previous = 0
    for cut in sorted(splits) + [len(blob)]:
        parser.push(blob[previous:cut])
        events.extend(parser.events())
        previous = cut
    parser.finish()
    return events


def describe(events):
    return [
        (type(e).__name__, getattr(e, "offset", None), getattr(e, "raw_length", None), getattr(e, "data", None))
        for e in events
    ]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_parser_gives_the_same_events_for_any_split_of_the_input(data):
    blob = sigmalang.compress(SAMPLE, chunk_size=1000) + sigmalang.compress(b"second", chunk_size=1000)
    splits = data.draw(st.lists(st.integers(min_value=0, max_value=len(blob)), max_size=12))
    assert describe(parse_all(blob, splits)) == describe(parse_all(blob))


def test_parser_byte_at_a_time_matches_one_push():
    blob = sigmalang.compress(SAMPLE, chunk_size=3000)
    assert describe(parse_all(blob, range(len(blob)))) == describe(parse_all(blob))


def test_parser_reports_chunk_offsets_and_stream_boundaries():
    first = sigmalang.compress(SAMPLE, chunk_size=4096)
    events = parse_all(first + first)
    starts = [e.offset for e in events if isinstance(e, StreamStart)]
    assert starts == [0, len(first)]
    chunks = [e for e in events if isinstance(e, ChunkGlyph)]
    assert sum(c.raw_length for c in chunks) == 2 * len(SAMPLE)
    assert all(first[c.offset % len(first)] == GLYPH_CHUNK for c in chunks)
    ends = [e for e in events if isinstance(e, StreamEnd)]
    assert [e.total_raw for e in ends] == [len(SAMPLE), len(SAMPLE)]
    assert all(e.indexed for e in ends)


def test_empty_input_is_truncated_at_offset_zero():
    with pytest.raises(TruncatedError) as info:
        parse_all(b"")
    assert info.value.offset == 0


def test_bad_magic_is_a_format_error_at_offset_zero():
    with pytest.raises(FormatError) as info:
        parse_all(b"PK\x03\x04 definitely not ours")
    assert info.value.offset == 0
    assert "magic" in str(info.value)


def test_unknown_version_is_rejected_naming_the_version_byte():
    blob = bytearray(sigmalang.compress(b"x"))
    blob[4] = 9
    with pytest.raises(FormatError) as info:
        parse_all(bytes(blob))
    assert info.value.offset == 4
    assert "version 9" in str(info.value)


def test_trailing_garbage_after_a_stream_is_rejected():
    blob = sigmalang.compress(b"abc")
    with pytest.raises(FormatError) as info:
        parse_all(blob + b"\x00\x00")
    assert info.value.offset == len(blob)


def test_skippable_glyphs_are_ignored_but_unknown_required_ones_fail():
    blob = sigmalang.compress(b"")
    skippable = encode_glyph(SKIPPABLE | 0x11, b"user metadata")
    # An empty stream is header + INDEX + END: put metadata right after the header.
    with_meta = blob[: len(HEADER)] + skippable + blob[len(HEADER) :]
    # Offsets inside INDEX/END are relative to the stream start, so a glyph
    # inserted before them makes END's offsets wrong: the parser must notice.
    with pytest.raises(FormatError):
        parse_all(with_meta)
    required = blob[: len(HEADER)] + encode_glyph(0x11, b"x") + blob[len(HEADER) :]
    with pytest.raises(FormatError) as info:
        parse_all(required)
    assert info.value.offset == len(HEADER)
    assert "unknown glyph type 0x11" in str(info.value)


def test_skippable_glyph_written_by_the_encoder_layout_is_accepted():
    from sigmalang.format.glyphs import IndexBuilder, encode_end_glyph

    skippable = encode_glyph(SKIPPABLE | 0x01, b"comment: made by a test")
    body = HEADER + skippable
    index_offset = len(body)
    body += IndexBuilder().glyph()
    covered = HEADER + IndexBuilder().payload()  # END's checksum covers the header and the INDEX
    blob = body + encode_end_glyph(0, 0, xxhash.xxh3_64_intdigest(covered), index_offset, len(body))
    events = parse_all(blob)
    assert [type(e).__name__ for e in events] == ["StreamStart", "StreamEnd"]


def test_oversize_glyph_length_raises_limit_error_before_the_payload_arrives():
    # 2**34 declared bytes; the payload is never supplied, so nothing can have been allocated for it.
    parser = GlyphParser()
    parser.push(HEADER + bytes((GLYPH_CHUNK,)) + encode_uleb128(2**34))
    with pytest.raises(LimitError) as info:
        list(parser.events())
    assert info.value.offset == len(HEADER) + 1


def test_chunk_raw_length_above_the_limit_raises_limit_error():
    blob = sigmalang.compress(b"y" * 5000)
    with pytest.raises(LimitError):
        parse_all(blob, limits=Limits(max_chunk_size=4096))


def test_glyph_length_longer_than_five_bytes_is_a_format_error():
    parser = GlyphParser()
    parser.push(HEADER + bytes((GLYPH_CHUNK,)) + b"\x80" * 5 + b"\x01")
    with pytest.raises(FormatError) as info:
        list(parser.events())
    assert info.value.offset == len(HEADER) + 1


def test_end_glyph_with_wrong_length_is_rejected():
    parser = GlyphParser()
    parser.push(HEADER + bytes((GLYPH_END, 3)) + b"abc")
    with pytest.raises(FormatError):
        list(parser.events())


def test_limits_reject_non_positive_values():
    with pytest.raises(ValueError, match="max_chunk_size"):
        Limits(max_chunk_size=0)
