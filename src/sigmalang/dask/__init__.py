"""Compress and decompress on a Dask ``distributed`` cluster: many files, or one too large
for one machine's cores.

    >>> from distributed import Client
    >>> import sigmalang.dask
    >>> with Client("tcp://scheduler:8786") as client:                      # doctest: +SKIP
    ...     sigmalang.dask.compress_file("s3://bucket/big.log", "s3://bucket/big.log.sgl")
    ...     sigmalang.dask.decompress_files(["a.csv.sgl", "b.csv.sgl"])

Encoding, a file is cut into ranges of whole segments (64 MiB by default);
each worker reads its range itself (fsspec: any URL, or a local path on a
file system the workers share) and encodes it on one thread as **one stream
of its own**, exactly as a local run encodes those bytes with the whole
file's chunk and segment sizes. The client writes the streams in order; a
decoder reads them as one file (streams concatenate). What differs from a
local run: REFERENCE copies and PRIMED frames reach only within a range (a
worker cannot build the long-range matcher's state of the ranges before its
own without reading and matching them too), and every range carries a stream
header, INDEX and END (about 60 bytes). A file of at most one range is
exactly what a local run writes. Making each range its own stream is what
keeps decoding parallel: no chunk of one stream reads another stream's output.

Decoding, the client reads the streams' INDEX glyphs from the end of the file;
a stream whose INDEX lists no referenced chunk is cut at segment starts into
parts of about ``range_size`` raw bytes, decoded side by side; a stream whose
chunks read earlier output is decoded whole, in order, by one task (up to 256
MiB, or ``range_size`` if larger) or else by the client itself, as a local
run. One more task checks every INDEX and END against the glyphs, so the
checks are those of a local decoder; a file whose trailers cannot be read is
decoded by the client, which reports what is wrong as a local run does.

At most ``max_in_flight`` tasks (default: twice the cluster's threads) are
submitted and not yet written, which bounds the client's memory to that many
ranges. Errors in a task are raised on the client as they would be locally
(``FormatError`` and its subclasses naming the offset in the compressed file,
``OSError``), in order: the first bad part of the input is the one reported.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import partial
from typing import Any, BinaryIO, Callable, Iterator, Sequence

from ..format.limits import DEFAULT_LIMITS, Limits
from ..settings import DEFAULT_LEVEL, DEFAULT_THREADS, EncoderSettings
from ..stream.stats import StreamStats
from ..urls import is_url, url_to_fs
from ._jobs import Job, run_jobs
from ._plan import Source, decode_tasks, encode_tasks
from ._ranges import DEFAULT_RANGE_SIZE, STREAM_TASK_SIZE

__all__ = [
    "DEFAULT_RANGE_SIZE",
    "STREAM_TASK_SIZE",
    "compress_file",
    "compress_files",
    "decompress_file",
    "decompress_files",
    "Job",
    "compress_job",
    "decompress_job",
    "run",
]

INSTALL_HINT = "sigmalang.dask needs dask.distributed: pip install 'sigmalang[dask]'"
#: Where an output goes: a path or URL (written whole or not at all), or a writable file object.
Target = str | BinaryIO


def get_client(client: Any = None) -> Any:
    """``client``, or the current default ``distributed`` client."""
    if client is not None:
        return client
    try:
        from distributed import get_client as current
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return current()


def default_in_flight(client: Any) -> int:
    """Twice the cluster's threads: every thread busy and as many results ready to write."""
    return max(2, 2 * sum(client.nthreads().values()))


def compress_job(
    src: Source, output: Callable[[], Any], client: Any, settings: EncoderSettings, range_size: int, name: str | None = None
) -> Job:
    """A job compressing ``src`` into what ``output()`` opens (a context manager giving a binary file)."""
    return Job(name or _name(src), lambda: encode_tasks(client, src, settings, range_size), output)


def decompress_job(
    src: Source, output: Callable[[], Any], limits: Limits, range_size: int, threads: int, name: str | None = None
) -> Job:
    """A job decompressing ``src``; ``threads``: for what the client decodes itself."""
    return Job(name or _name(src), lambda: decode_tasks(src, limits, range_size, threads), output, StreamStats(mode="decode"))


def run(client: Any, jobs: list[Job], max_in_flight: int | None = None, on_error: Callable[[Job, Exception], None] | None = None) -> list[StreamStats]:
    """Run ``jobs`` on ``client`` (None: the default client); their statistics, in order."""
    client = get_client(client)
    run_jobs(client, jobs, max_in_flight or default_in_flight(client), on_error)
    return [job.stats for job in jobs]


def compress_file(
    src: Source,
    dst: Target,
    *,
    client: Any = None,
    level: int = DEFAULT_LEVEL,
    settings: EncoderSettings | None = None,
    range_size: int = DEFAULT_RANGE_SIZE,
    max_in_flight: int | None = None,
) -> StreamStats:
    """Compress ``src`` (path, fsspec URL, or a file object read by the client) into ``dst``."""
    return compress_files([src], [dst], client=client, level=level, settings=settings, range_size=range_size, max_in_flight=max_in_flight)[0]


def compress_files(
    sources: Sequence[Source],
    targets: Sequence[Target] | None = None,
    *,
    client: Any = None,
    suffix: str = ".sgl",
    level: int = DEFAULT_LEVEL,
    settings: EncoderSettings | None = None,
    range_size: int = DEFAULT_RANGE_SIZE,
    max_in_flight: int | None = None,
) -> list[StreamStats]:
    """Compress each source into its target (default: its name plus ``suffix``), all
    files' ranges sharing the cluster; the first failure is raised."""
    settings = settings or EncoderSettings(level)
    pairs = _pairs(sources, targets, lambda name: name + suffix)
    client = get_client(client)
    return run(client, [compress_job(src, output, client, settings, range_size) for src, output in pairs], max_in_flight)


def decompress_file(
    src: Source,
    dst: Target,
    *,
    client: Any = None,
    limits: Limits = DEFAULT_LIMITS,
    range_size: int = DEFAULT_RANGE_SIZE,
    max_in_flight: int | None = None,
    threads: int = DEFAULT_THREADS,
) -> StreamStats:
    """Decompress ``src`` (path or fsspec URL; a file object is decoded by the client) into ``dst``."""
    return decompress_files([src], [dst], client=client, limits=limits, range_size=range_size, max_in_flight=max_in_flight, threads=threads)[0]


def decompress_files(
    sources: Sequence[Source],
    targets: Sequence[Target] | None = None,
    *,
    client: Any = None,
    suffix: str = ".sgl",
    limits: Limits = DEFAULT_LIMITS,
    range_size: int = DEFAULT_RANGE_SIZE,
    max_in_flight: int | None = None,
    threads: int = DEFAULT_THREADS,
) -> list[StreamStats]:
    """Decompress each source into its target (default: its name without ``suffix``)."""
    pairs = _pairs(sources, targets, lambda name: _strip(name, suffix))
    return run(client, [decompress_job(src, output, limits, range_size, threads) for src, output in pairs], max_in_flight)


def _pairs(
    sources: Sequence[Source], targets: Sequence[Target] | None, default: Callable[[str], str]
) -> list[tuple[Source, Callable[[], Any]]]:
    if targets is None:
        if not all(isinstance(src, str) for src in sources):
            raise TypeError("give targets for inputs that are file objects")
        targets = [default(src) for src in sources if isinstance(src, str)]
    if len(targets) != len(sources):
        raise ValueError(f"{len(sources)} inputs but {len(targets)} outputs")
    return [(src, partial(_output, dst)) for src, dst in zip(sources, targets)]


def _strip(name: str, suffix: str) -> str:
    if not name.endswith(suffix) or len(name) == len(suffix):
        raise ValueError(f"{name} does not end in {suffix}: give its target")
    return name[: -len(suffix)]


def _name(src: Source) -> str:
    return src if isinstance(src, str) else getattr(src, "name", "<file object>")


@contextmanager
def _output(dst: Target) -> Iterator[BinaryIO]:
    """``dst`` opened for writing: a URL in an fsspec transaction (committed when
    complete), a local path removed again on failure, a file object as it is."""
    if not isinstance(dst, str):
        yield dst
        return
    if is_url(dst):
        fs, path = url_to_fs(dst)
        with fs.transaction, fs.open(path, "wb") as out:
            yield out
        return
    try:
        with open(dst, "wb") as out:
            yield out
    except BaseException:
        if os.path.exists(dst):
            os.unlink(dst)
        raise
