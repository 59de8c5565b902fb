"""GlyphWriter: the bytes of one stream, in order: header, CHUNK glyphs, INDEX, END.

It keeps what the trailer needs (the INDEX entries, the running checksum of
the header, chunk checksums and INDEX, the totals) and the stream's
statistics; what goes into each chunk is decided before it gets here.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import xxhash

from ..buffers import Buffer
from ..codecs.chunk import EncodedChunk
from ..codecs.reference import CopyTable
from ..format.constants import CHUNK_CONTINUES, CHUNK_PRIMED, CHUNK_SHARED, GLYPH_INDEX, stream_header
from ..format.glyphs import (
    IndexBuilder,
    chunk_fields,
    chunk_glyph_head,
    encode_depends_glyph,
    encode_end_glyph,
    encode_glyph,
)
from .stats import StreamStats

Write = Callable[[Buffer], object]


class GlyphWriter:
    def __init__(self, write: Write, reference_window: int, stats: StreamStats) -> None:
        self._write = write
        self.stats = stats
        self.offset = 0  # stream bytes written
        self._index = IndexBuilder()
        self._checksums = xxhash.xxh3_64()
        self._total_raw = 0
        self._chunk_segments: list[int] = []  # each chunk's segment ordinal
        self._segment_lows: list[int] = []  # each segment's earliest segment its chunks read
        header = stream_header(reference_window.bit_length() - 1 if reference_window else 0)
        self._checksums.update(header)  # END's checksum covers the header too
        self._emit(header)

    def chunk(
        self, chunk: EncodedChunk, continues: bool, copies: CopyTable | None, prime: tuple[int, int] | None
    ) -> None:
        """Write one CHUNK glyph; ``copies`` and ``prime`` (raw offset, length) name the
        earlier output it reads, which the INDEX lists as referenced."""
        flags = (CHUNK_CONTINUES if continues else 0) | (CHUNK_SHARED if chunk.shared else 0)
        position = self._total_raw
        if not continues:
            self._segment_lows.append(len(self._segment_lows))
        distance = None
        if copies is not None and len(copies):
            self._reads(copies.reads(position))
        if prime is not None:
            flags |= CHUNK_PRIMED
            self._reads(np.array([(prime[0], prime[0] + prime[1])], dtype="<i8"))
            distance = (position - prime[0], prime[1])
        self._chunk_segments.append(len(self._segment_lows) - 1)
        self._index.add_chunk(self.offset, chunk.raw_length, continues)
        fields = chunk_fields(flags, chunk.strategy, chunk.params, chunk.raw_length, distance)
        self._emit(chunk_glyph_head(fields, chunk.checksum, chunk.data_digest, len(chunk.data)))
        self._emit(chunk.data)
        self._checksums.update(chunk.checksum.to_bytes(8, "little"))
        self._total_raw += chunk.raw_length
        self._count(chunk)

    def _reads(self, ranges: np.ndarray) -> None:
        """The chunk being written reads the raw byte ranges ``ranges`` (rows of start, end)
        of earlier chunks: the INDEX lists them, and its segment depends on theirs."""
        first = self._index.add_references(ranges)
        segment = len(self._segment_lows) - 1
        self._segment_lows[segment] = min(self._segment_lows[segment], self._chunk_segments[first])

    def _count(self, chunk: EncodedChunk) -> None:
        stats = self.stats
        name = chunk.strategy.name
        stats.chunks += 1
        stats.bytes_in += chunk.raw_length
        stats.strategies[name] += 1
        stats.strategy_raw_bytes[name] += chunk.raw_length
        stats.strategy_encoded_bytes[name] += len(chunk.data)
        if chunk.kind is not None:
            stats.kinds[chunk.kind.value] += 1

    def finish(self) -> None:
        """Write the INDEX glyph, the DEPENDS glyph when chunks read earlier ones, and END."""
        index_offset = self.offset
        index = self._index.payload()
        self._checksums.update(index)  # END's checksum covers the INDEX too
        self._emit(encode_glyph(GLYPH_INDEX, index))
        if self._index.referenced:
            self._emit(encode_depends_glyph(self._segment_lows))
        chunks = len(self._index.chunk_offsets)
        self._emit(encode_end_glyph(self._total_raw, chunks, self._checksums.intdigest(), index_offset, self.offset))

    def _emit(self, data: Buffer) -> None:
        self._write(data)
        n = len(data) if not isinstance(data, memoryview) else data.nbytes
        self.offset += n
        self.stats.bytes_out += n
