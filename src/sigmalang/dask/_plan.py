"""A job's tasks: what runs on the workers and what the client does itself, for one input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from ..format.index import read_stream_indexes
from ..format.limits import Limits
from ..settings import EncoderSettings
from ..stream.decoder import READ_SIZE, StreamingDecoder
from ..stream.reader import readinto_full
from ..stream.stats import StreamStats
from ..urls import url_to_fs
from ._ordered import Item, Local, Remote
from ._ranges import STREAM_TASK_SIZE, FileRange, Segments, decode_parts, encode_layout, encode_ranges, located
from ._tasks import decode_segments, decode_stream, encode_range, verify_index

#: What a job reads: a file by name (workers open it) or a file object (the client reads it).
Source = str | BinaryIO


def _size(name: str) -> int:
    fs, path = url_to_fs(name)
    return int(fs.size(path))


def encode_tasks(client: Any, src: Source, settings: EncoderSettings, range_size: int) -> Iterator[Item]:
    """One task per range of ``src``: workers read a named file themselves; a file
    object's ranges are read here and sent to the cluster as they are needed."""
    if isinstance(src, str):
        name = located(src)
        size = _size(name)
        chunk_size, step = encode_layout(settings, size, range_size)
        for part in encode_ranges(name, size, step):
            yield Remote(encode_range, (part, settings, chunk_size, size))
        return
    chunk_size, step = encode_layout(settings, None, range_size)
    while True:
        buf = bytearray(step)
        n = readinto_full(src, buf)
        data = bytes(memoryview(buf)[:n])
        del buf
        # Sent to a worker apart from the task, as data rather than as part of the task itself.
        yield Remote(encode_range, (client.scatter(data, hash=False), settings, chunk_size, None))
        if n < step:
            return


def decode_tasks(src: Source, limits: Limits, range_size: int, threads: int) -> Iterator[Item]:
    """The tasks decoding ``src``, from its streams' INDEX glyphs; without readable
    trailers (a damaged or truncated file, a pipe) the client decodes it in order
    itself, which reports what is wrong as a local run does."""
    if not isinstance(src, str):
        yield Local(DecodeFileObject(src, limits, threads))
        return
    name = located(src)
    fs, path = url_to_fs(name)
    with fs.open(path, "rb") as fp:
        size = int(fs.size(path))
        streams = read_stream_indexes(fp, limits)
    if streams is None:
        yield Local(DecodeHere(FileRange(name, 0, size), limits, threads))
        return
    yield Remote(verify_index, (name, limits))
    for part in decode_parts(name, size, streams, range_size):
        if isinstance(part, Segments):
            yield Remote(decode_segments, (part, limits))
        elif part.raw_length <= max(range_size, STREAM_TASK_SIZE):
            yield Remote(decode_stream, (part, limits))
        else:
            yield Local(DecodeHere(part.source, limits, threads))


@dataclass(frozen=True)
class DecodeHere:
    """Streams decoded in order on the client, read from a named file: those whose
    chunks read earlier output and are too long for one task, or a whole file whose
    trailers cannot be read."""

    source: FileRange
    limits: Limits
    threads: int

    def run(self, out: BinaryIO, stats: StreamStats) -> None:
        decoder = StreamingDecoder(self.threads, limits=self.limits)
        decoder.resume_at(self.source.start, self.source.start)
        fs, path = url_to_fs(self.source.name)
        try:
            with fs.open(path, "rb") as src:
                src.seek(self.source.start)
                left = self.source.end - self.source.start
                while left:
                    piece = src.read(min(READ_SIZE, left))
                    if not piece:
                        break
                    left -= len(piece)
                    for decoded in decoder.feed(piece):
                        out.write(decoded)
                for decoded in decoder.flush():
                    out.write(decoded)
        finally:
            decoder.close()
        stats.add(decoder.stats)


@dataclass(frozen=True)
class DecodeFileObject:
    """A file object decoded on the client, as a local run would (workers cannot open it)."""

    src: BinaryIO
    limits: Limits
    threads: int

    def run(self, out: BinaryIO, stats: StreamStats) -> None:
        stats.add(StreamingDecoder(self.threads, limits=self.limits).decode_stream(self.src, out))
