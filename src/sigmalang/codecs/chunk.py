"""Chunk-level encode and decode: pick a strategy, check sizes and checksums."""

from __future__ import annotations

from dataclasses import dataclass

import xxhash

from ..errors import ChecksumError, FormatError
from ..format.glyphs import data_checksum
from ..format.parser import ChunkGlyph
from ..buffers import Buffer
from ..format.constants import Strategy
from .base import Codec
from .context import DecodeContext, EncodeContext
from .delta import DeltaCodec
from .detect import DataKind, Detection
from .zstd import ZstdCodec
from .raw import RawCodec
from .reference import CopyTable, History, literals, resolve_into, split, wrap
from .selector import AdaptiveCompressionSelector

_ZSTD = ZstdCodec()
CODECS: dict[int, Codec] = {codec.strategy: codec for codec in (RawCodec(), _ZSTD, DeltaCodec(_ZSTD))}


def checksum(data: Buffer) -> int:
    """xxh3-64 of a chunk's raw bytes, as stored in its CHUNK glyph."""
    return xxhash.xxh3_64_intdigest(data)


def data_digest(data: Buffer) -> int:
    """xxh3-64 of a chunk's encoded data: what its data_checksum is seeded with
    (``format.glyphs.data_checksum``, which also covers the glyph's fields)."""
    return xxhash.xxh3_64_intdigest(data)


@dataclass(frozen=True, slots=True)
class EncodedChunk:
    strategy: Strategy
    params: bytes
    data: Buffer
    raw_length: int
    checksum: int
    data_digest: int  # xxh3-64 of data (the glyph's data_checksum adds its fields)
    kind: DataKind | None = None  # what the detector saw (None when it did not run)
    shared: bool = False  # data continues the segment's shared zstd frame


def encode_chunk(
    raw: Buffer,
    selector: AdaptiveCompressionSelector,
    context: EncodeContext | None = None,
    copies: CopyTable | None = None,
    detection: Detection | None = None,
) -> EncodedChunk:
    """Encode one chunk with the strategy the selector picks for it (see ``selector.encode``).

    With ``copies`` (from the long-range matcher) the chunk is stored as REFERENCE: the
    copies, then its literals encoded as the selector picks for them.
    ``detection`` is the detector's reading of ``raw`` when it was made already.
    """
    if copies:
        encoded, choice = selector.encode(literals(raw, copies), context, detection)
        encoded = wrap(encoded, copies)
    else:
        encoded, choice = selector.encode(raw, context, detection)
    raw_digest = checksum(raw)
    # A RAW chunk's data is its raw bytes: one hash serves both checksums.
    stored = encoded.data is raw
    return EncodedChunk(
        encoded.strategy,
        encoded.params,
        encoded.data,
        len(raw),
        raw_digest,
        raw_digest if stored else data_digest(encoded.data),
        choice.kind,
        encoded.shared,
    )


@dataclass(slots=True)
class PendingReference:
    """A REFERENCE chunk with its literals decoded, waiting for the output its copies read."""

    glyph: ChunkGlyph
    copies: CopyTable
    literals: Buffer

    def resolve_into(self, out: memoryview, position: int, history: History | None) -> None:
        """Build the chunk at stream offset ``position`` into ``out`` and verify its checksum."""
        glyph = self.glyph
        if history is None:
            raise FormatError(
                "REFERENCE chunk without history: its stream declares no reference window, "
                "or its INDEX lists no referenced chunk",
                glyph.offset,
            )
        try:
            resolve_into(out, self.copies, self.literals, position, history)
        except ValueError as exc:
            raise _corrupt(glyph, exc) from None
        _verify(glyph, out)

    def resolve(self, position: int, history: History | None) -> bytearray:
        out = bytearray(self.glyph.raw_length)
        self.resolve_into(memoryview(out), position, history)
        return out


def prime_range(glyph: ChunkGlyph, position: int, history: History | None) -> tuple[int, int]:
    """(start, length) of the earlier output a PRIMED chunk's frame uses, as offsets from its
    stream's first raw byte; ``position`` is the chunk's. Errors name the glyph's offset."""
    assert glyph.prime is not None
    distance, length = glyph.prime
    if history is None:
        raise FormatError("PRIMED chunk without history: its stream declares no reference window", glyph.offset)
    if distance > history.window or distance > position:
        raise FormatError(
            f"PRIMED chunk reaches {distance} bytes back, beyond the earlier output (window {history.window})", glyph.offset
        )
    return position - distance, length


def _check_data(glyph: ChunkGlyph, context: DecodeContext | None) -> int:
    """Verify the chunk's data checksum; the data's digest."""
    if glyph.shared and context is None:
        raise FormatError("chunk continues a shared zstd frame that this decoder has not seen", glyph.offset)
    digest = data_digest(glyph.data)
    if data_checksum(glyph.fields, digest) != glyph.data_checksum:
        raise ChecksumError("chunk data checksum mismatch (its compressed bytes or fields are damaged)", glyph.offset)
    return digest


def _decode_reference(glyph: ChunkGlyph, context: DecodeContext | None) -> PendingReference:
    """Decode a REFERENCE chunk's literals (the part that can run in parallel)."""
    _check_data(glyph, context)
    try:
        parts = split(glyph.params, glyph.data, glyph.raw_length)
        lits = CODECS[parts.inner_strategy].decode(parts.inner_params, parts.inner_data, parts.literal_length, context)
        if len(lits) != parts.literal_length:
            raise ValueError(f"literals decoded to {len(lits)} bytes, expected {parts.literal_length}")
    except ValueError as exc:
        raise _corrupt(glyph, exc) from None
    return PendingReference(glyph, parts.copies, lits)


def _codec_for(glyph: ChunkGlyph, context: DecodeContext | None) -> tuple[Codec, int | None]:
    """The chunk's codec, once its data checksum holds, and the checksum its output
    must have if that is already known: a RAW chunk's output is its data, whose
    digest was just computed (hashing the copy again doubled the cost of stored
    chunks, which is a checksum and a copy)."""
    digest = _check_data(glyph, context)
    codec = CODECS.get(glyph.strategy)
    if codec is None:
        raise FormatError(f"unknown strategy id {glyph.strategy}", glyph.offset)
    return codec, digest if glyph.strategy == Strategy.RAW else None


def _corrupt(glyph: ChunkGlyph, exc: ValueError) -> FormatError:
    return FormatError(f"corrupt {Strategy(glyph.strategy).name} chunk: {exc}", glyph.offset)


def decode_chunk(glyph: ChunkGlyph, context: DecodeContext | None = None) -> Buffer | PendingReference:
    """Decode one chunk and verify its data, length and checksum; errors name the glyph's offset.

    ``context`` is the chunk's segment state; it must be given for shared chunks
    and is used only for them. A REFERENCE chunk comes back as a
    PendingReference, to be resolved in stream order.
    """
    context = context if glyph.shared else None
    if glyph.strategy == Strategy.REFERENCE:
        return _decode_reference(glyph, context)
    codec, known = _codec_for(glyph, context)
    try:
        out = codec.decode(glyph.params, glyph.data, glyph.raw_length, context)
    except ValueError as exc:
        raise _corrupt(glyph, exc) from None
    if len(out) != glyph.raw_length:
        raise FormatError(f"chunk decoded to {len(out)} bytes, header says {glyph.raw_length}", glyph.offset)
    _verify(glyph, out, known)
    return out


def decode_chunk_into(glyph: ChunkGlyph, out: memoryview, context: DecodeContext | None = None) -> PendingReference | None:
    """``decode_chunk`` writing into ``out`` (exactly ``raw_length`` bytes) instead of a new object.

    A REFERENCE chunk writes nothing yet: its PendingReference is returned.
    """
    context = context if glyph.shared else None
    if glyph.strategy == Strategy.REFERENCE:
        return _decode_reference(glyph, context)
    codec, known = _codec_for(glyph, context)
    try:
        codec.decode_into(glyph.params, glyph.data, out, context)
    except ValueError as exc:
        raise _corrupt(glyph, exc) from None
    _verify(glyph, out, known)
    return None


def _verify(glyph: ChunkGlyph, out: Buffer, known: int | None = None) -> None:
    """Check ``out`` against the chunk's checksum (``known``: its digest, already computed)."""
    if (checksum(out) if known is None else known) != glyph.checksum:
        raise ChecksumError("chunk checksum mismatch", glyph.offset)
