"""Chunk-level encode and decode: pick a strategy, check sizes and checksums."""

from __future__ import annotations

from dataclasses import dataclass

import xxhash

from ..errors import ChecksumError, FormatError
from ..format.parser import ChunkGlyph
from .base import Buffer, Codec, Strategy
from .delta import DeltaCodec
from .detect import DataKind
from .pattern import PatternCodec
from .raw import RawCodec
from .select import AdaptiveCompressionSelector

_PATTERN = PatternCodec()
CODECS: dict[int, Codec] = {codec.strategy: codec for codec in (RawCodec(), _PATTERN, DeltaCodec(_PATTERN))}


def checksum(data: Buffer) -> int:
    """xxh3-64 of a chunk's raw bytes, as stored in its CHUNK glyph."""
    return xxhash.xxh3_64_intdigest(data)


def data_checksum(data: Buffer) -> int:
    """Low 32 bits of xxh3-64 of a chunk's encoded data.

    It catches damage to the compressed bytes even where the codec would still
    decode them to the right output (e.g. unused bits of a zstd frame header),
    so ``verify`` reports every damaged file.
    """
    return xxhash.xxh3_64_intdigest(data) & 0xFFFF_FFFF


@dataclass(frozen=True, slots=True)
class EncodedChunk:
    strategy: Strategy
    params: bytes
    data: Buffer
    raw_length: int
    checksum: int
    data_checksum: int
    kind: DataKind | None = None  # what the detector saw (None when it did not run)


def encode_chunk(raw: Buffer, selector: AdaptiveCompressionSelector) -> EncodedChunk:
    """Encode one chunk with the strategy the selector picks for it; never larger than RAW."""
    encoded, choice = selector.encode(raw)
    return EncodedChunk(
        encoded.strategy, encoded.params, encoded.data, len(raw), checksum(raw), data_checksum(encoded.data), choice.kind
    )


def _codec_for(glyph: ChunkGlyph) -> Codec:
    if glyph.continues:
        raise FormatError("segments that span several chunks are not supported by this decoder", glyph.offset)
    if data_checksum(glyph.data) != glyph.data_checksum:
        raise ChecksumError("chunk data checksum mismatch (the compressed bytes are damaged)", glyph.offset)
    codec = CODECS.get(glyph.strategy)
    if codec is None:
        raise FormatError(f"unknown strategy id {glyph.strategy}", glyph.offset)
    return codec


def _corrupt(glyph: ChunkGlyph, exc: ValueError) -> FormatError:
    return FormatError(f"corrupt {Strategy(glyph.strategy).name} chunk: {exc}", glyph.offset)


def decode_chunk(glyph: ChunkGlyph) -> Buffer:
    """Decode one chunk and verify its data, length and checksum; errors name the glyph's offset."""
    codec = _codec_for(glyph)
    try:
        out = codec.decode(glyph.params, glyph.data, glyph.raw_length)
    except ValueError as exc:
        raise _corrupt(glyph, exc) from None
    if len(out) != glyph.raw_length:
        raise FormatError(f"chunk decoded to {len(out)} bytes, header says {glyph.raw_length}", glyph.offset)
    _verify(glyph, out)
    return out


def decode_chunk_into(glyph: ChunkGlyph, out: memoryview) -> None:
    """``decode_chunk`` writing into ``out`` (exactly ``raw_length`` bytes) instead of a new object."""
    codec = _codec_for(glyph)
    try:
        codec.decode_into(glyph.params, glyph.data, out)
    except ValueError as exc:
        raise _corrupt(glyph, exc) from None
    _verify(glyph, out)


def _verify(glyph: ChunkGlyph, out: Buffer) -> None:
    if checksum(out) != glyph.checksum:
        raise ChecksumError("chunk checksum mismatch", glyph.offset)
