"""What a worker runs: encode one range, decode segments or a whole stream, check a file's INDEX.

Each task encodes or decodes on the thread Dask gives it (one encoder or
decoder per worker thread, never threads of its own), so a worker with N
threads runs N of them side by side. Every task returns ``(bytes, stats)``
for the client to write in order. Errors are the usual ``FormatError``
subclasses and ``OSError``, naming offsets in the compressed file; Dask
raises them again on the client.
"""

from __future__ import annotations

import io
import time
from typing import Union

from ..buffers import as_bytes, uninitialised_bytes
from ..codecs.chunk import decode_chunk_into
from ..codecs.context import DecodeContext
from ..codecs.longrange import BufferSource
from ..errors import FormatError, LimitError
from ..format.index import read_file_index
from ..format.index_check import verify_file_index
from ..format.limits import Limits
from ..format.parser import ChunkGlyph, GlyphParser
from ..settings import EncoderSettings
from ..stream.decoder import StreamingDecoder
from ..stream.frame import FrameWriter
from ..stream.stats import StreamStats
from ..urls import url_to_fs
from ._ranges import FileRange, Segments, WholeStream

Result = tuple[bytes, Union[StreamStats, None]]


def encode_range(source: FileRange | bytes, settings: EncoderSettings, chunk_size: int, input_size: int | None) -> Result:
    """One stream holding a range of the input, as a local run with the same chunk and
    segment sizes writes it for those bytes (copies and primes reach only within it)."""
    started = time.perf_counter()
    data = source.read() if isinstance(source, FileRange) else source
    view = memoryview(data)
    out = io.BytesIO()
    writer = FrameWriter(out.write, settings, 1, chunk_size, input_size=input_size, earlier_bytes=BufferSource(view))
    try:
        for start in range(0, len(view), chunk_size):
            writer.add(view[start : start + chunk_size])
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    writer.stats.elapsed = time.perf_counter() - started
    return out.getvalue(), writer.stats


def decode_segments(part: Segments, limits: Limits) -> Result:
    """Decode whole segments of a stream that no chunk reads back, checking every chunk.

    The part starts at the stream's header or at a segment's first chunk, so
    every shared frame starts inside it; a REFERENCE or PRIMED chunk here is
    an error, as for a local decoder that read the stream's INDEX first.
    """
    source = part.source
    parser = GlyphParser(limits)
    if source.start == part.stream_start:
        parser.resume_at_stream(source.start)
    else:
        parser.resume_inside_stream(source.start, part.stream_start)
    if part.raw_length > part.chunks * limits.max_chunk_size:  # a damaged INDEX: allocate nothing for it
        raise LimitError(f"the INDEX declares {part.raw_length} bytes in {part.chunks} chunks", source.start)
    parser.push(source.read())
    out, view = uninitialised_bytes(part.raw_length)
    position, chunks = _decode_glyphs(parser, view)
    if parser.offset != source.end:
        raise FormatError("the INDEX places a chunk where no glyph starts", parser.offset)
    if part.last:
        parser.finish()  # the stream's INDEX and END were read, and nothing after them
    if position != part.raw_length or chunks != part.chunks:
        raise FormatError("the chunks do not match the stream's INDEX", source.start)
    stats = StreamStats(bytes_in=source.end - source.start, bytes_out=position, chunks=chunks, mode="decode")
    return as_bytes(out), stats


def _decode_glyphs(parser: GlyphParser, view: memoryview) -> tuple[int, int]:
    """Decode every chunk the parser yields into ``view``, in order: (raw bytes, chunks)."""
    position = chunks = 0
    context: DecodeContext | None = None
    for event in parser.events():
        if not isinstance(event, ChunkGlyph):
            continue
        if not event.continues:
            context = DecodeContext()
        elif context is None:
            raise FormatError("the INDEX places a segment start at a chunk that continues a segment", event.offset)
        if event.prime is not None:
            raise FormatError("PRIMED chunk in a stream whose INDEX lists no referenced chunk", event.offset)
        end = position + event.raw_length
        if end > len(view):
            raise FormatError("chunks hold more bytes than the stream's INDEX declares", event.offset)
        pending = decode_chunk_into(event, view[position:end], context)
        if pending is not None:  # a copy of earlier output: none was announced
            pending.resolve_into(view[position:end], 0, None)
        position, chunks = end, chunks + 1
    return position, chunks


def decode_stream(part: WholeStream, limits: Limits) -> Result:
    """Decode a whole stream in order, keeping the earlier output its copies and primes read."""
    decoder = StreamingDecoder(1, limits=limits)
    decoder.resume_at(part.source.start, part.source.start)
    pieces = list(decoder.feed(part.source.read()))
    pieces.extend(decoder.flush())
    stats = decoder.stats
    decoder.close()
    return b"".join(pieces), stats


def verify_index(name: str, limits: Limits) -> Result:
    """Check every stream's INDEX and END against its glyph heads and totals, as a local
    decoder does front to back (the decoding tasks check the chunks themselves)."""
    fs, path = url_to_fs(name)
    with fs.open(path, "rb") as fp:
        index = read_file_index(fp, limits)
        if index is None:
            raise FormatError("the file's stream trailers cannot be read", None)
        verify_file_index(fp, index, limits)
    return b"", None
