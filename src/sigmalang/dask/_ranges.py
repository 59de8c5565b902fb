"""Where the cluster's tasks cut the work: input ranges to encode, stream parts to decode.

Encoding, a file is cut into ranges of whole segments (``range_size``,
rounded down to a multiple of the segment, at least one); each range becomes
one stream of its own (see ``sigmalang.dask``). Decoding, a stream whose
INDEX lists no referenced chunk is cut at segment starts into parts of about
``range_size`` raw bytes, since its segments decode independently; a stream
whose chunks read earlier output (REFERENCE copies, PRIMED frames) is decoded
whole, in order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

from ..format.index import StreamIndex
from ..settings import EncoderSettings
from ..urls import is_url, url_to_fs

MIB = 1 << 20
#: Input bytes per encoding task, and raw bytes per decoding task.
DEFAULT_RANGE_SIZE = 64 * MIB
#: A stream whose chunks read earlier output is decoded by one task up to this many
#: raw bytes (or the range size, if larger); a longer one is decoded on the client.
STREAM_TASK_SIZE = 256 * MIB


def located(name: str) -> str:
    """How workers find ``name``: URLs as they are, local paths made absolute
    (a cluster's workers see them only on a file system they share with the client)."""
    return name if is_url(name) else os.path.abspath(name)


@dataclass(frozen=True)
class FileRange:
    """Bytes ``start`` to ``end`` of a file that workers open by name (fsspec URL or local path)."""

    name: str
    start: int
    end: int

    def read(self) -> bytes:
        fs, path = url_to_fs(self.name)
        data: bytes = fs.cat_file(path, start=self.start, end=self.end)
        if len(data) != self.end - self.start:
            raise OSError(f"{self.name} ended at byte {self.start + len(data)} while being read (it shrank)")
        return data


# -- encoding ------------------------------------------------------------------


def encode_layout(settings: EncoderSettings, size: int | None, range_size: int) -> tuple[int, int]:
    """(chunk size, bytes per range) for an input of ``size`` bytes (None: unknown).

    The chunk and segment sizes are those a local run chooses for the whole
    input, so every range is cut into the same chunks and segments as there.
    """
    if range_size < 1:
        raise ValueError(f"range_size must be at least 1 byte, got {range_size}")
    chunk_size = settings.resolved_chunk_size(size)
    segment = settings.chunks_per_segment(chunk_size, size) * chunk_size
    return chunk_size, max(segment, range_size // segment * segment)


def encode_ranges(name: str, size: int, step: int) -> list[FileRange]:
    """The ranges of a file of ``size`` bytes, ``step`` bytes each (an empty file: one empty range)."""
    return [FileRange(name, start, min(size, start + step)) for start in range(0, size, step)] or [FileRange(name, 0, 0)]


# -- decoding ------------------------------------------------------------------


@dataclass(frozen=True)
class Segments:
    """Whole segments of a stream that no chunk reads back: decoded on a worker, no history needed.

    ``source`` starts at the stream's header for its first part (else at a
    segment's first chunk) and ends at its END glyph for its last part (else
    where the next part starts).
    """

    source: FileRange
    stream_start: int
    chunks: int
    raw_length: int
    last: bool  # the stream's last part, up to its END glyph


@dataclass(frozen=True)
class WholeStream:
    """A stream whose chunks read earlier output, decoded in order from its header to its END."""

    source: FileRange
    raw_length: int


def decode_parts(name: str, size: int, streams: list[tuple[int, StreamIndex]], range_size: int) -> Iterator[Segments | WholeStream]:
    """The parts of a compressed file, in order, from its streams' INDEX glyphs."""
    for i, (start, index) in enumerate(streams):
        end = streams[i + 1][0] if i + 1 < len(streams) else size
        if index.referenced:
            yield WholeStream(FileRange(name, start, end), sum(index.chunk_raw_lengths))
            continue
        groups = _segment_groups(index, range_size)
        for g, (first, last, raw) in enumerate(groups):
            begin = start + index.chunk_offsets[first] if g else start
            stop = start + index.chunk_offsets[last] if g + 1 < len(groups) else end
            yield Segments(FileRange(name, begin, stop), start, last - first, raw, g + 1 == len(groups))


def _segment_groups(index: StreamIndex, range_size: int) -> list[tuple[int, int, int]]:
    """(first chunk, chunk after the last, raw bytes) of each part: whole segments,
    a new part starting at the first segment start after ``range_size`` raw bytes."""
    groups: list[tuple[int, int, int]] = []
    first = raw = 0
    for i, (length, continues) in enumerate(zip(index.chunk_raw_lengths, index.chunk_continues)):
        if not continues and i > first and raw >= range_size:
            groups.append((first, i, raw))
            first, raw = i, 0
        raw += length
    groups.append((first, len(index.chunk_raw_lengths), raw))
    return groups
