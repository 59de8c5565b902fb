"""StreamingEncoder: bytes, streams and files into sigmalang streams, through a FrameWriter."""

from __future__ import annotations

import io
import os
import stat
import time
from typing import TYPE_CHECKING, BinaryIO, Iterable

from ..buffers import Buffer
from ..codecs.longrange import BufferSource
from ..pool import BufferPool
from ..settings import DEFAULT_LEVEL, DEFAULT_THREADS, MAX_CHUNK_SIZE, EncoderSettings
from .frame import FrameWriter
from .reader import Chunk, ChunkSource
from .stats import StreamStats

if TYPE_CHECKING:
    from ..parallel import StreamingPlan

#: With threads=0, chunks this large run on every core without planning: the cheapest
#: encoding of 4 MiB (already-compressed data, stored: a checksum and a copy) takes
#: 1-2 ms, ten times what a thread costs per task, and the encoder's work runs outside
#: the GIL, so the planner can only answer "threads". Asking it cost a tenth of the
#: time of a 20-40 MiB file (its import and a sample chunk encoded twice) and 8-12 MiB
#: of peak memory. Smaller chunks (inputs of 8 MiB or less, or a chunk size asked for) are planned.
ALWAYS_THREADED_CHUNK = MAX_CHUNK_SIZE


class StreamingEncoder:
    """Compresses bytes, streams and files in bounded memory.

    >>> enc = StreamingEncoder(level=3, threads=2)
    >>> stats = enc.encode_file("in.bin", "out.sgl")   # doctest: +SKIP

    Chunks of one segment (``segment_size``, default 8 MiB) share a zstd
    context (optionally with long-distance matching), so repeats anywhere in
    the segment cost almost nothing; segments encode in parallel. Memory is
    bounded by the settings, whatever the input size: about ``threads`` x one
    zstd window of the segment size, plus, for input read in sequence, the
    segment's worth of input that waits for its worker.
    """

    def __init__(
        self,
        level: int = DEFAULT_LEVEL,
        threads: int = DEFAULT_THREADS,
        chunk_size: int | None = None,
        *,
        max_in_flight: int | None = None,
        segment_size: int | None = None,
        long_distance: bool | None = None,
        trial: bool | None = None,
        adaptive: bool = True,
        reference_window: int | None = None,
        references: bool | None = None,
        settings: EncoderSettings | None = None,
    ) -> None:
        self.settings = settings or EncoderSettings(
            level,
            threads,
            chunk_size,
            max_in_flight,
            trial=trial,
            segment_size=segment_size,
            long_distance=long_distance,
            adaptive=adaptive,
            reference_window=reference_window,
            references=references,
        )
        self._totals = StreamStats()
        #: The buffer pool of the last encode_stream, for its statistics (hits, resizes).
        self.last_pool: BufferPool | None = None
        #: The parallel plan chosen by the last encode_stream with threads=0 (None: not planned).
        self.last_plan: StreamingPlan | None = None

    # -- one-shot ------------------------------------------------------------
    def compress(self, data: Buffer) -> bytes:
        """Compress a whole buffer; output equals what ``encode_stream`` writes for it."""
        view = memoryview(data).cast("B")
        size = view.nbytes
        chunk_size = self.settings.resolved_chunk_size(size)
        threads = self.settings.resolved_threads(-(-size // chunk_size))
        # Each chunk is copied into the output as it is written, while the
        # workers encode later ones; getvalue() then hands over the buffer
        # without a copy (a join at the end would leave the workers idle
        # while one thread copies the whole output).
        out = io.BytesIO()
        started = time.perf_counter()
        writer = FrameWriter(out.write, self.settings, threads, chunk_size, input_size=size, earlier_bytes=BufferSource(view))
        self._drive(writer, ((view[start : start + chunk_size], None) for start in range(0, size, chunk_size)), started)
        return out.getvalue()

    # -- streams and files ---------------------------------------------------
    def encode_stream(self, src: BinaryIO, dst: BinaryIO, *, size: int | None = None) -> StreamStats:
        """Read ``src`` to its end and write one compressed stream to ``dst``.

        ``size`` (if known) picks the chunk size, as for a file of that size.
        A regular file holding exactly ``size`` more bytes is read by position
        by the workers themselves, so input waiting for a worker holds no memory.
        """
        chunk_size = self.settings.resolved_chunk_size(size)
        chunk_count = None if size is None else -(-size // chunk_size)
        threads = self.settings.resolved_threads(chunk_count)
        started = time.perf_counter()
        source = ChunkSource(src, size, chunk_size)
        self.last_plan = None
        if self.settings.threads == 0 and threads > 1 and chunk_size < ALWAYS_THREADED_CHUNK:
            # Measure the encoder on the first chunks and let the planner choose.
            # Imported here: the parallel engine is needed only to plan (and costs
            # memory and start-up time in every process that imports sigmalang).
            from .planning import SAMPLE_CHUNKS, plan_threads

            sample = source.sample(SAMPLE_CHUNKS)
            if len(sample) == SAMPLE_CHUNKS:
                threads, self.last_plan = plan_threads(sample, self.settings, chunk_count or None)
        writer = FrameWriter(dst.write, self.settings, threads, chunk_size, input_size=size, earlier_bytes=source.earlier_bytes())
        pool = BufferPool.for_in_flight(chunk_size, writer.max_in_flight)
        self.last_pool = pool
        return self._drive(writer, source.chunks(pool), started)

    def _drive(
        self, writer: FrameWriter, chunks: Iterable[Chunk], started: float
    ) -> StreamStats:
        """Feed ``chunks`` to ``writer`` and finish the stream; on any error stop the workers."""
        try:
            for raw, on_written in chunks:
                writer.add(raw, on_written)
            writer.finish()
        except BaseException:
            writer.abort()
            raise
        writer.stats.elapsed = time.perf_counter() - started
        self._accumulate(writer.stats)
        return writer.stats

    def encode_file(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        """Compress one file into another (``dst_path`` is overwritten)."""
        with open(src_path, "rb") as src, open(dst_path, "wb") as dst:
            return self.encode_stream(src, dst, size=_size_of(src))

    async def encode_file_async(self, src_path: str | os.PathLike[str], dst_path: str | os.PathLike[str]) -> StreamStats:
        """``encode_file`` on a worker thread, so an event loop keeps running."""
        import asyncio  # here: it imports ssl and sockets, which a compressor otherwise never needs

        return await asyncio.to_thread(self.encode_file, src_path, dst_path)

    # -- statistics ----------------------------------------------------------
    def get_stats(self) -> StreamStats:
        """Totals over every call since creation or the last ``reset()``."""
        return self._totals

    def reset(self) -> None:
        self._totals = StreamStats()

    def _accumulate(self, stats: StreamStats) -> None:
        self._totals.add(stats)


def _size_of(f: BinaryIO) -> int | None:
    """Size of a regular file, or None for pipes and other streams."""
    try:
        st = os.fstat(f.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None
