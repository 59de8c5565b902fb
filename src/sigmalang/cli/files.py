"""Compress, decompress and verify files the way gzip and zstd do."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from ..errors import SigmalangError
from ..settings import DEFAULT_LEVEL, EncoderSettings
from ..stream.decoder import StreamingDecoder
from ..stream.encoder import StreamingEncoder
from ..stream.stats import StreamStats
from .inputs import inputs
from .listing import list_files
from .locations import exists, open_input, open_output, remove, same_file
from .locations import shown as _shown
from .memory import limits_for
from .progress import progress_reader, wants_bar
from .report import UserError, fail, human_bytes, warn
from .safety import disk_full, report_disk_full, silence_broken_pipe, stdin_is_console


class NullSink:
    """A binary sink that discards everything (for --test)."""

    def write(self, data: bytes) -> int:
        return len(data)


def run_files(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    files = checked_names(args, parser)
    if args.action == "list":
        return list_files(inputs(files, args), limits_for(args.memory))
    failures = 0
    for name, problem in inputs(files, args):
        try:
            if problem is not None:
                raise problem
            check_stdin(name, args)
            _process(name, args)
        except BrokenPipeError:
            silence_broken_pipe()
            return 1
        except (OSError, UserError, SigmalangError) as exc:
            report_failure(name, exc)
            failures += 1
    return 1 if failures else 0


def checked_names(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The FILE arguments ("-" when none), once the options fit them (else a usage error)."""
    files: list[str] = args.files or ["-"]
    if args.output and len(files) > 1:
        parser.error("-o/--output takes exactly one input file")
    if args.output and args.stdout:
        parser.error("-o/--output and -c/--stdout cannot be used together")
    if files.count("-") > 1:
        parser.error("standard input ('-') can be given only once")
    if args.output and args.recursive:
        parser.error("-o/--output takes exactly one input file, not -r")
    if args.range_size is not None and args.scheduler is None:
        parser.error("--range-size sets the work of a cluster task: give --scheduler too")
    return files


def check_stdin(name: str, args: argparse.Namespace) -> None:
    if stdin_is_console(name, args.action):
        raise UserError("stdin is a console, aborting (give a file, or pipe data in)")


def report_failure(name: str, exc: Exception) -> None:
    """Say on stderr why ``name`` failed (a full disk with its own advice)."""
    if isinstance(exc, OSError) and disk_full(exc):
        report_disk_full(_shown(name), exc)
    else:
        fail(_shown(name), exc)


def _process(name: str, args: argparse.Namespace) -> None:
    if args.action == "verify":
        _verify(name, args)
    elif args.action == "decompress":
        _convert(name, args, compressing=False)
    else:
        _convert(name, args, compressing=True)


@contextmanager
def _reading(name: str, args: argparse.Namespace) -> Iterator[tuple[BinaryIO, int | None]]:
    """The input (standard input for "-") behind a progress bar when wanted, and
    its size when it is a regular file; a file opened here is closed after."""
    with open_input(name) as (src, size):
        with progress_reader(src, os.path.basename(_shown(name)), size, wants_bar(args.progress, size)) as reader:
            yield reader, size


def _output_name(name: str, args: argparse.Namespace, compressing: bool) -> str | None:
    """Target path, or None for standard output."""
    if args.output:
        return args.output
    if args.stdout or name == "-":
        return None
    if compressing:
        if name.endswith(args.suffix) and not args.force:
            raise UserError(f"already has suffix {args.suffix} -- ignored (use -f to compress it again)")
        return name + args.suffix
    if not name.endswith(args.suffix) or len(name) == len(args.suffix):
        raise UserError(f"unknown suffix (expected {args.suffix}) -- ignored; use -c or -o to choose the output")
    return name[: -len(args.suffix)]


def checked_target(name: str, args: argparse.Namespace, compressing: bool) -> str | None:
    """Where ``name``'s output goes (None: standard output), once it is known that
    writing there loses nothing: no overwriting without -f, no compressed terminal."""
    target = _output_name(name, args, compressing)
    if target is None and compressing and sys.stdout.isatty() and not args.force:
        raise UserError("refusing to write compressed data to a terminal (use -f to force, or -o FILE)")
    if target is not None:
        if same_file(name, target):
            raise UserError("input and output are the same file")
        if exists(target) and not args.force:
            raise UserError(f"{target} already exists; not overwritten (use -f to overwrite)")
    return target


def _convert(name: str, args: argparse.Namespace, compressing: bool) -> None:
    target = checked_target(name, args, compressing)
    with _reading(name, args) as (reader, size):
        if target is None:
            out = sys.stdout.buffer
            stats = _run(reader, out, size, args, compressing)
            out.flush()
        else:
            copy_from = name if name != "-" else None
            with open_output(target, overwrite=args.force, copy_stat_from=copy_from) as out:
                stats = _run(reader, out, size, args, compressing)
    finish(name, target, stats, args, compressing)


def finish(name: str, target: str | None, stats: StreamStats, args: argparse.Namespace, compressing: bool) -> None:
    """After a complete output: --rm removes the input, -v prints the summary."""
    if args.remove and target is not None and name != "-":
        remove(name)
    if args.verbose and not args.quiet:
        _summary(name, target, stats, compressing)


def _run(src: BinaryIO, dst: BinaryIO, size: int | None, args: argparse.Namespace, compressing: bool) -> StreamStats:
    if compressing:
        encoder = StreamingEncoder(settings=encoder_settings(args))
        stats = encoder.encode_stream(src, dst, size=size)
        if args.verbose and not args.quiet and encoder.last_plan is not None:
            warn("parallel plan (-T0):\n" + encoder.last_plan.explain())
        return stats
    return StreamingDecoder(args.threads, limits=limits_for(args.memory)).decode_stream(src, dst)


def encoder_settings(args: argparse.Namespace) -> EncoderSettings:
    return EncoderSettings(
        args.level or DEFAULT_LEVEL,
        args.threads,
        args.chunk_size,
        segment_size=args.segment_size,
        long_distance=args.long or None,
        reference_window=args.ref_window,
        references=args.references,
    )


def _verify(name: str, args: argparse.Namespace) -> None:
    with _reading(name, args) as (reader, _size):
        stats = StreamingDecoder(args.threads, limits=limits_for(args.memory)).decode_stream(reader, NullSink())  # type: ignore[arg-type]
    report_verified(name, stats, args)


def report_verified(name: str, stats: StreamStats, args: argparse.Namespace) -> None:
    if not args.quiet:
        print(f"{name}: OK ({human_bytes(stats.bytes_out)}, {stats.chunks} chunks, checksums verified)", file=sys.stderr)


def _summary(name: str, target: str | None, stats: StreamStats, compressing: bool) -> None:
    arrow = f"{_shown(name)} -> {target or '<stdout>'}"
    raw, packed = (stats.bytes_in, stats.bytes_out) if compressing else (stats.bytes_out, stats.bytes_in)
    strategies = ", ".join(f"{k} {v}" for k, v in sorted(stats.strategies.items()))
    warn(
        f"{arrow}: {human_bytes(raw)} raw, {human_bytes(packed)} compressed, ratio {stats.ratio:.3f}, "
        f"{stats.throughput:.0f} MB/s, {stats.chunks} chunks, {stats.threads} threads"
        + (f" [{strategies}]" if strategies else "")
    )

