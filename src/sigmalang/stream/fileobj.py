"""File objects: ``sigmalang.open`` and ``SigmalangFile``, in the manner of ``gzip``.

Reading is one raw class (``DecompressReader``, which only turns compressed
input into ``readinto`` output) wrapped in ``io.BufferedReader`` for buffering,
``readline``, iteration and ``peek``; text mode wraps the binary file in
``io.TextIOWrapper``. Seeking uses the streams' INDEX glyphs to jump to the
right chunk, backward as well as forward.
"""

from __future__ import annotations

import builtins
import io
import os
from collections import deque
from typing import IO, BinaryIO, cast

from ..buffers import Buffer
from ..errors import FormatError
from ..format.index import FileIndex, SeekPoint, read_file_index
from ..format.index_check import verify_file_index
from ..format.limits import DEFAULT_LIMITS, Limits
from ..pool import BufferPool
from ..settings import DEFAULT_LEVEL, DEFAULT_THREADS, STREAM_CHUNK_SIZE, EncoderSettings
from ..urls import is_url, open_url
from .decoder import READ_SIZE, StreamingDecoder
from .frame import FrameWriter
from .reader import at_start, read_some

_READ_MODES = {"r", "rb"}
_WRITE_MODES = {"w", "wb", "a", "ab", "x", "xb"}
_SKIP_SIZE = 1 << 20


class DecompressReader(io.RawIOBase):
    """Raw reader: decoded bytes of the sigmalang streams in ``fp``, via ``readinto``."""

    def __init__(self, fp: BinaryIO, threads: int = DEFAULT_THREADS, limits: Limits = DEFAULT_LIMITS) -> None:
        self._fp = fp
        self._limits = limits
        self._decoder = StreamingDecoder(threads, limits=limits)
        self._pending: deque[memoryview] = deque()
        self._in = bytearray(READ_SIZE)
        self._pos = 0
        self._decoded_from = 0  # raw offset where the current decoding began (its history starts there)
        #: After a seek into a stream with copies: (raw offset, input offset) of the first
        #: later segment that reads output from before ``_decoded_from`` (None: none).
        self._barrier: tuple[int, int] | None = None
        self._eof = False
        self._index: FileIndex | None = None
        self._index_loaded = False
        self._index_checked = False
        if at_start(fp):  # the INDEX says which streams need their history kept
            index = self._file_index()
            self._decoder.expect_streams(index.stream_referenced if index is not None else None)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._fp.seekable()

    def tell(self) -> int:
        return self._pos

    def readinto(self, b: Buffer) -> int:  # type: ignore[override]
        with memoryview(b) as view, view.cast("B") as out:
            while not self._pending:
                if self._eof:
                    return 0
                self._fill()
            piece = self._pending[0]
            n = min(len(piece), len(out))
            out[:n] = piece[:n]
            if n == len(piece):
                self._pending.popleft()
            else:
                self._pending[0] = piece[n:]
            self._pos += n
            return n

    def _fill(self) -> None:
        if self._barrier is not None:
            self._fill_before_barrier(self._barrier)
            return
        n = read_some(self._fp, memoryview(self._in))
        if n:
            outputs = self._decoder.feed(memoryview(self._in)[:n])
        else:
            outputs = self._decoder.flush()
            self._eof = True
        self._pending.extend(memoryview(out) for out in outputs)

    def _fill_before_barrier(self, barrier: tuple[int, int]) -> None:
        """Decode up to the barrier's segment only; once its output is all read, start
        again from where that segment's decoding must start (as a seek to it would)."""
        raw, offset = barrier
        room = offset - self._fp.tell()
        if room > 0:
            n = read_some(self._fp, memoryview(self._in)[: min(room, len(self._in))])
            if n:
                self._pending.extend(memoryview(out) for out in self._decoder.feed(memoryview(self._in)[:n]))
                return
        self._pending.extend(memoryview(out) for out in self._decoder.drain())
        if not self._pending:
            if self._pos != raw:
                raise FormatError("the stream's chunks do not end where its INDEX says a segment starts", offset)
            index = self._checked_index()
            point = index.locate(raw) if index is not None else None
            assert point is not None
            self._restart_at(point)
            self._skip(raw - self._pos)

    # -- seeking ---------------------------------------------------------------
    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._total_size() + offset
        else:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        index = self._checked_index()
        point = index.locate(target) if index is not None else None
        # Restart at the target's seek point when it lies ahead, when the target is behind,
        # or when the target's segment reads output from before where this decoding began.
        if point is not None and (
            target < self._pos or point.raw_offset > self._pos or point.raw_offset < self._decoded_from
        ):
            self._restart_at(point)
        elif target < self._pos:
            self._rewind()
        self._skip(target - self._pos)
        return self._pos

    def _file_index(self) -> FileIndex | None:
        if not self._index_loaded:
            self._index_loaded = True
            if self._fp.seekable():
                self._index = read_file_index(self._fp, self._limits)
        return self._index

    def _checked_index(self) -> FileIndex | None:
        """The file's index once its INDEX glyphs agree with the glyphs they describe
        (``format.index_check``), so positions found from it are right; None when they
        do not: seeks then decode from the start, which checks everything on the way."""
        index = self._file_index()
        if index is not None and not self._index_checked:
            self._index_checked = True
            try:
                verify_file_index(self._fp, index, self._limits)
            except FormatError:
                self._index = index = None
        return index

    def _total_size(self) -> int:
        index = self._checked_index()
        if index is not None:
            return index.total_raw
        self._skip(-1)  # decode to the end
        return self._pos

    def _restart_at(self, point: SeekPoint) -> None:
        self._fp.seek(point.chunk_offset)
        self._decoder.resume_at(point.chunk_offset, point.stream_offset, point.window, point.stream_position)
        self._pending.clear()
        self._pos = self._decoded_from = point.raw_offset
        self._eof = False
        index = self._checked_index()
        self._barrier = index.barrier(point.raw_offset, point.raw_offset) if index is not None else None

    def _rewind(self) -> None:
        if not self._fp.seekable():
            raise io.UnsupportedOperation("cannot seek backward: the underlying file is not seekable")
        self._fp.seek(0)
        self._decoder.reset()
        self._pending.clear()
        self._pos = self._decoded_from = 0
        self._barrier = None
        self._eof = False

    def _skip(self, count: int) -> None:
        """Decode and drop ``count`` bytes (all remaining ones when negative)."""
        scratch = bytearray(_SKIP_SIZE)
        while count != 0:
            n = self.readinto(scratch if count < 0 or count >= _SKIP_SIZE else memoryview(scratch)[:count])
            if n == 0:
                return
            if count > 0:
                count -= n

    def close(self) -> None:
        self._decoder.close()
        self._pending.clear()
        super().close()


class SigmalangFile(io.BufferedIOBase):
    """A sigmalang file opened for reading or writing, like ``gzip.GzipFile``.

    Writing buffers one chunk (``chunk_size``, default 4 MiB) and encodes full
    chunks on ``threads`` workers; ``flush()`` ends the current chunk early.
    Mode ``"ab"`` appends a new stream; readers decode the concatenation.
    """

    def __init__(
        self,
        filename: str | bytes | os.PathLike[str] | None = None,
        mode: str = "rb",
        *,
        level: int = DEFAULT_LEVEL,
        threads: int = DEFAULT_THREADS,
        chunk_size: int | None = None,
        limits: Limits = DEFAULT_LIMITS,
        fileobj: BinaryIO | None = None,
        references: bool | None = None,
    ) -> None:
        if mode not in _READ_MODES | _WRITE_MODES:
            raise ValueError(f"invalid mode {mode!r}: use one of 'rb', 'wb', 'ab', 'xb'")
        binary_mode = mode if mode.endswith("b") else mode + "b"
        self._owns_fp = fileobj is None
        if fileobj is None:
            if filename is None:
                raise TypeError("SigmalangFile needs a filename or a fileobj")
            fileobj = _open_named(filename, binary_mode)
        self._fp: BinaryIO = fileobj
        name = getattr(fileobj, "name", None)  # fsspec's files have none: then the URL
        self.name = name if name is not None else (filename if filename is not None else "")
        self.mode = binary_mode
        self._closed = False
        try:
            if binary_mode == "rb":
                self._settings = None
                self._reader = DecompressReader(fileobj, threads, limits)
                self._buffer: io.BufferedReader | None = io.BufferedReader(self._reader, buffer_size=READ_SIZE)
            else:
                self._buffer = None
                self._settings = EncoderSettings(level, threads, chunk_size, references=references)
                self._chunk_size = chunk_size or STREAM_CHUNK_SIZE
                self._writer = FrameWriter(fileobj.write, self._settings, self._settings.resolved_threads(), self._chunk_size)
                self._pool = BufferPool.for_in_flight(self._chunk_size, self._writer.max_in_flight)
                self._current: bytearray | None = None
                self._filled = 0
                self._raw_written = 0
        except BaseException:
            if self._owns_fp:
                fileobj.close()
            raise

    # -- state -----------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def readable(self) -> bool:
        self._check_open()
        return self._buffer is not None

    def writable(self) -> bool:
        self._check_open()
        return self._buffer is None

    def seekable(self) -> bool:
        """Reading: whether the input can seek. Writing: True, as for ``gzip``, since forward
        seeks work; ``io.TextIOWrapper`` also needs it to write a BOM (e.g. UTF-16) at the start."""
        self._check_open()
        return self._buffer is None or self._reader.seekable()

    def fileno(self) -> int:
        return self._fp.fileno()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on closed file")

    def _check_mode(self, reading: bool) -> None:
        self._check_open()
        if reading and self._buffer is None:
            raise io.UnsupportedOperation("file was opened for writing; read() is not available")
        if not reading and self._buffer is not None:
            raise io.UnsupportedOperation("file was opened for reading; write() is not available")

    # -- reading ---------------------------------------------------------------
    def read(self, size: int | None = -1) -> bytes:
        self._check_mode(True)
        return self._buffer.read(size)  # type: ignore[union-attr]

    def read1(self, size: int = -1) -> bytes:
        self._check_mode(True)
        return self._buffer.read1(size)  # type: ignore[union-attr]

    def readinto(self, b: Buffer) -> int:  # type: ignore[override]
        self._check_mode(True)
        return self._buffer.readinto(b)  # type: ignore[union-attr]

    def readinto1(self, b: Buffer) -> int:  # type: ignore[override]
        self._check_mode(True)
        return self._buffer.readinto1(b)  # type: ignore[union-attr]

    def peek(self, n: int = 0) -> bytes:
        self._check_mode(True)
        return self._buffer.peek(n)  # type: ignore[union-attr]

    def readline(self, size: int | None = -1) -> bytes:
        self._check_mode(True)
        return self._buffer.readline(size)  # type: ignore[union-attr]

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        if self._buffer is not None:
            if self._reader.seekable():
                return self._buffer.seek(offset, whence)
            return self._seek_forward(offset, whence)
        # Writing: only forward, filling with zeros, like gzip.
        if whence == io.SEEK_CUR:
            offset += self._raw_written
        elif whence != io.SEEK_SET:
            raise ValueError("seek from the end is not supported in write mode")
        if offset < self._raw_written:
            raise OSError("negative seek in write mode")
        remaining = offset - self._raw_written
        zeros = bytes(min(remaining, _SKIP_SIZE))
        while remaining:
            remaining -= self.write(zeros[:remaining] if remaining < len(zeros) else zeros)
        return self._raw_written

    def _seek_forward(self, offset: int, whence: int) -> int:
        """Seek on an input that cannot seek (a pipe): forward by decoding and dropping bytes.

        ``io.BufferedReader.seek`` refuses any seek on a non-seekable raw
        stream, so reading forward is done here; backward and end-relative
        seeks raise ``io.UnsupportedOperation``.
        """
        assert self._buffer is not None
        position = self._buffer.tell()
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = position + offset
        elif whence == io.SEEK_END:
            raise io.UnsupportedOperation("cannot seek from the end: the underlying file is not seekable")
        else:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target < position:
            raise io.UnsupportedOperation("cannot seek backward: the underlying file is not seekable")
        remaining = target - position
        while remaining and (piece := self._buffer.read(min(remaining, _SKIP_SIZE))):
            remaining -= len(piece)
        return self._buffer.tell()

    def tell(self) -> int:
        self._check_open()
        return self._buffer.tell() if self._buffer is not None else self._raw_written

    # -- writing ---------------------------------------------------------------
    def write(self, data: Buffer) -> int:  # type: ignore[override]
        self._check_mode(False)
        with memoryview(data) as view, view.cast("B") as src:
            total = len(src)
            pos = 0
            while pos < total:
                if self._current is None:
                    self._current = self._pool.acquire()
                    self._filled = 0
                take = min(total - pos, self._chunk_size - self._filled)
                self._current[self._filled : self._filled + take] = src[pos : pos + take]
                self._filled += take
                pos += take
                if self._filled == self._chunk_size:
                    self._end_chunk()
        self._raw_written += total
        return total

    def _end_chunk(self) -> None:
        buf, filled = self._current, self._filled
        self._current = None
        self._filled = 0
        if buf is None:
            return
        if not filled:
            self._pool.release(buf)
            return
        self._writer.add(memoryview(buf)[:filled], lambda: self._pool.release(buf))

    def flush(self) -> None:
        """Encode the buffered partial chunk and hand all output to the file.

        Like ``zstd``'s flush, this ends the current chunk early: frequent
        flushes cost ratio.
        """
        self._check_open()
        if self._buffer is None:
            self._end_chunk()
            self._writer.drain()
            self._fp.flush()

    def close(self) -> None:
        if self._closed:
            return
        try:
            if self._buffer is None:
                try:
                    self._end_chunk()
                    self._writer.finish()
                except BaseException:
                    self._writer.abort()
                    raise
            else:
                self._buffer.close()
        finally:
            self._closed = True
            if self._owns_fp:
                self._fp.close()
            elif self._buffer is None:
                self._fp.flush()


def _open_named(filename: str | bytes | os.PathLike[str], mode: str) -> BinaryIO:
    """A local file, or the file an fsspec URL names (``memory://``, ``s3://``...)."""
    if is_url(filename):
        return open_url(filename, mode)
    return cast(BinaryIO, builtins.open(filename, mode))


def open(  # noqa: A001 - the point is to mirror gzip.open
    filename: str | bytes | os.PathLike[str] | BinaryIO,
    mode: str = "rb",
    *,
    level: int = DEFAULT_LEVEL,
    threads: int = DEFAULT_THREADS,
    chunk_size: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    references: bool | None = None,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
) -> SigmalangFile | IO[str]:
    """Open a sigmalang file in binary ("rb", "wb", "ab", "xb") or text ("rt", "wt", "at", "xt") mode.

    ``filename`` is a path, an fsspec URL (``memory://x.sgl``, ``s3://bucket/x.sgl``;
    needs fsspec) or an existing binary file object. Text mode wraps
    the binary file in ``io.TextIOWrapper`` with ``encoding``, ``errors`` and
    ``newline``, as ``gzip.open`` does.
    """
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}: both text and binary")
    else:
        if encoding is not None:
            raise ValueError("argument 'encoding' not supported in binary mode")
        if errors is not None:
            raise ValueError("argument 'errors' not supported in binary mode")
        if newline is not None:
            raise ValueError("argument 'newline' not supported in binary mode")
    binary_mode = mode.replace("t", "")
    options = dict(level=level, threads=threads, chunk_size=chunk_size, limits=limits, references=references)
    if isinstance(filename, (str, bytes, os.PathLike)):
        binary = SigmalangFile(filename, binary_mode, **options)  # type: ignore[arg-type]
    elif hasattr(filename, "read") or hasattr(filename, "write"):
        binary = SigmalangFile(None, binary_mode, fileobj=filename, **options)  # type: ignore[arg-type]
    else:
        raise TypeError("filename must be a str, bytes or os.PathLike object, or a file object")
    if "t" in mode:
        encoding = io.text_encoding(encoding)
        return io.TextIOWrapper(binary, encoding, errors, newline)
    return binary
