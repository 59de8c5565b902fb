"""Byte-level constants of format v1 (see docs/FORMAT.md)."""

from __future__ import annotations

import enum
import struct

MAGIC = b"\xce\xa3\x4c\x47"  # "ΣLG": U+03A3 in UTF-8, then "LG"
END_MAGIC = MAGIC[::-1]
VERSION = 1
HEADER = MAGIC + bytes((VERSION, 0))  # a stream without REFERENCE chunks
HEADER_SIZE = len(HEADER)
# Header byte 5: log2 of the reference window (how far back REFERENCE chunks
# copy from, and so how much output a streaming decoder keeps), or 0 for none.
MIN_WINDOW_LOG = 20
MAX_WINDOW_LOG = 40


def stream_header(window_log: int = 0) -> bytes:
    """The 6-byte stream header declaring a reference window of 2**window_log bytes (0: none)."""
    if window_log and not MIN_WINDOW_LOG <= window_log <= MAX_WINDOW_LOG:
        raise ValueError(f"window_log must be 0 or {MIN_WINDOW_LOG}..{MAX_WINDOW_LOG}, got {window_log}")
    return MAGIC + bytes((VERSION, window_log))


class Strategy(enum.IntEnum):
    """Strategy ids as stored in each CHUNK glyph. PATTERN is a zstd frame (or
    part of a segment's shared frame); the names are the ones ``info`` prints."""

    RAW = 0
    PATTERN = 1
    REFERENCE = 2
    DELTA = 3


# Glyph types. Types with the SKIPPABLE bit set may be ignored by a decoder
# that does not know them; any other unknown type is an error.
GLYPH_CHUNK = 0x01
GLYPH_DICT = 0x02
GLYPH_INDEX = 0x0E
GLYPH_END = 0x0F
SKIPPABLE = 0x80
#: Skippable: which earlier segments each segment's copies and prime read (seeking in streams with copies).
GLYPH_DEPENDS = 0x8E

# CHUNK flags.
CHUNK_CONTINUES = 0x01  # belongs to the same segment as the chunk before it
CHUNK_SHARED = 0x02  # its data continues the segment's shared zstd frame
CHUNK_PRIMED = 0x04  # first SHARED chunk of a segment whose frame uses earlier output as a dictionary
CHUNK_KNOWN_FLAGS = CHUNK_CONTINUES | CHUNK_SHARED | CHUNK_PRIMED

CHECKSUM_SIZE = 8  # xxh3-64 of a chunk's raw bytes
DEPENDS_CHECKSUM_SIZE = 4  # low 32 bits of xxh3-64 of a DEPENDS glyph's fields
DATA_CHECKSUM_SIZE = 4  # low 32 bits of xxh3-64 of a chunk's fields, seeded with xxh3-64 of its encoded data
NO_INDEX = 0xFFFF_FFFF_FFFF_FFFF

# END payload: total raw length, chunk count, checksum of chunk checksums,
# INDEX offset, END offset (all u64 little-endian, offsets from the stream start),
# then the reversed magic so a reader can find END from the end of a file.
END_STRUCT = struct.Struct("<QQQQQ4s")
END_PAYLOAD_SIZE = END_STRUCT.size  # 44
END_GLYPH_SIZE = 2 + END_PAYLOAD_SIZE  # type byte + one-byte length + payload

# Decoder limits (defaults); a declared size above a limit raises LimitError
# before anything is allocated for it.
DEFAULT_MAX_CHUNK_SIZE = 64 * 1024 * 1024
DEFAULT_MAX_DICT_SIZE = 4 * 1024 * 1024
DEFAULT_MAX_GLYPH_SIZE = DEFAULT_MAX_CHUNK_SIZE + 64 * 1024
DEFAULT_MAX_WINDOW = 1 << 30  # reference window a streaming decoder agrees to keep
