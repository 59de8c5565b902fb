"""``--scheduler ADDRESS``: the command line's files compressed, decompressed or verified on a
Dask cluster, through ``sigmalang.dask``.

Every input first gets the checks of a local run (no output overwritten
without -f, no compressed data to a terminal, no console as input); then all
of them run as jobs of one ordered run, so many small files spread over the
workers as one large file's ranges do. Outputs are written as a local run
writes them (beside the target and renamed when complete, with the input's
permissions and times; URLs in fsspec transactions; standard output in
order), and a failed file is reported with its name and offset while the
others go on: the exit status is 1 if any failed. The workers read named
files themselves; standard input is read by the command and sent to them
when compressing, and decoded by the command itself when decompressing.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import Any, BinaryIO, Iterator, NoReturn

from .. import dask as cluster
from ..dask import DEFAULT_RANGE_SIZE, Job
from .files import NullSink, check_stdin, checked_names, checked_target, encoder_settings, finish, report_failure, report_verified
from .inputs import inputs
from .locations import STDIN, open_output
from .memory import limits_for
from .report import warn
from .safety import silence_broken_pipe


def run_on_cluster(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Process every input on the cluster at ``args.scheduler``; the exit status."""
    entries = list(inputs(checked_names(args, parser), args))
    try:
        client = connect(args.scheduler)
    except (ImportError, OSError) as exc:
        warn(f"cannot use the Dask scheduler at {args.scheduler}: {exc}")
        return 1
    failures = 0

    def failed(job: Job, exc: Exception) -> None:
        nonlocal failures
        if isinstance(exc, BrokenPipeError):
            raise exc  # standard output is gone: nothing more can be written
        report_failure(job.name, exc)
        failures += 1

    try:
        threads = sum(client.nthreads().values())
        jobs = [_job(name, problem, args, client, threads) for name, problem in entries]
        cluster.run(client, jobs, on_error=failed)
    except BrokenPipeError:
        silence_broken_pipe()
        return 1
    finally:
        client.close()
    return 1 if failures else 0


def connect(address: str) -> Any:
    """A client of the scheduler at ``address`` (not made the default one); how long it
    tries to connect is Dask's setting ``distributed.comm.timeouts.connect``."""
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(cluster.INSTALL_HINT) from None
    return Client(address, set_as_default=False)


def _job(name: str, problem: Exception | None, args: argparse.Namespace, client: Any, threads: int) -> Job:
    """The job for one input, or one that fails with the reason a local run would give."""
    compressing = args.action == "compress"
    try:
        if problem is not None:
            raise problem
        check_stdin(name, args)
        target = None if args.action == "verify" else checked_target(name, args, compressing)
    except Exception as exc:  # noqa: BLE001 - reported in the input's turn
        return Job(name, partial(_raise, exc), nullcontext)
    src: str | BinaryIO = sys.stdin.buffer if name == STDIN else name
    range_size = args.range_size or DEFAULT_RANGE_SIZE
    if compressing:
        job = cluster.compress_job(src, lambda: _output(name, target, args), client, encoder_settings(args), range_size, name)
    else:
        output = (lambda: nullcontext(NullSink())) if args.action == "verify" else (lambda: _output(name, target, args))
        job = cluster.decompress_job(src, output, limits_for(args.memory), range_size, args.threads, name)
    job.stats.threads = threads

    def done(job: Job) -> None:
        if args.action == "verify":
            report_verified(name, job.stats, args)
        else:
            finish(name, target, job.stats, args, compressing)

    job.finished = done
    return job


def _raise(exc: Exception) -> NoReturn:
    raise exc


@contextmanager
def _output(name: str, target: str | None, args: argparse.Namespace) -> Iterator[BinaryIO]:
    """Where a job writes: standard output, or ``target`` as a local run writes it."""
    if target is None:
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    with open_output(target, overwrite=args.force, copy_stat_from=name if name != STDIN else None) as out:
        yield out
