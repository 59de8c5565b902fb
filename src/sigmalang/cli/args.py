"""Argument parsing with gzip/zstd habits: -d -c -o -k --rm -f -T# -1..-19 -q -v -t."""

from __future__ import annotations

import argparse

from .. import __version__
from . import types
from ..settings import CHUNK_SIZE_LIMIT, DEFAULT_LEVEL, MAX_LEVEL, MAX_SEGMENT_SIZE, MIN_LEVEL

SUFFIX = ".sgl"

DESCRIPTION = """\
Compress or decompress files (default: compress FILE to FILE.sgl, keeping FILE).
With no FILE, or when FILE is -, read standard input and write standard output.

subcommands (give them first):
  sigmalang info FILE...      structure, strategies and ratio of .sgl files
  sigmalang verify FILE...    decode fully and check every checksum (same as -t)
  sigmalang salvage FILE      recover the intact chunks of a damaged or truncated file
  sigmalang demo              compress a built-in sample beside python-zstandard
  sigmalang bench [PATH...]   compare with other compressors on the same data
  sigmalang profile           peak memory and time over input sizes
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sigmalang",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to process ('-' for standard input; fsspec URLs such as s3://bucket/key)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-z", "--compress", dest="action", action="store_const", const="compress", help="compress (default)")
    mode.add_argument("-d", "--decompress", dest="action", action="store_const", const="decompress", help="decompress")
    mode.add_argument("-t", "--test", dest="action", action="store_const", const="verify", help="verify integrity, write nothing")
    mode.add_argument("-l", "--list", dest="action", action="store_const", const="list",
                      help="list .sgl files, one line each: streams, chunks, sizes, ratio (as zstd -l)")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="go into directories (compress files without the suffix; -d, -t, -l take those with it)")
    parser.add_argument("--exclude-compressed", action="store_true",
                        help="when compressing, skip files whose suffix says they are compressed (.gz, .zst, .zip, .png...)")
    parser.add_argument("-M", "--memory", type=types.byte_size, default=None, metavar="SIZE",
                        help="decoder memory limit: refuse streams declaring a larger reference window, chunk or "
                             "dictionary (default: what the encoder can write, 1G window, 64M chunks)")
    parser.add_argument("-c", "--stdout", action="store_true", help="write to standard output, keep input files")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (one input only)")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("-k", "--keep", dest="remove", action="store_false", help="keep input files (default)")
    keep.add_argument("--rm", dest="remove", action="store_true", help="remove input files after success")
    parser.add_argument("-f", "--force", action="store_true",
                        help="overwrite existing output; write compressed data to a terminal; read FIFOs, devices "
                             "and files behind symbolic links (skipped otherwise)")
    parser.add_argument("-T", "--threads", type=types.threads, default=0, metavar="N", help="worker threads (0 = all cores; default 0)")
    parser.add_argument("--level", type=types.level, default=None, metavar="N", help=f"level {MIN_LEVEL}-{MAX_LEVEL} (default {DEFAULT_LEVEL})")
    for n in range(MIN_LEVEL, MAX_LEVEL + 1):
        parser.add_argument(f"-{n}", dest="level", action="store_const", const=n, help=argparse.SUPPRESS)
    parser.add_argument("--chunk-size", type=types.byte_size_at_most(CHUNK_SIZE_LIMIT), default=None, metavar="SIZE", help="chunk size (default: from input size, 64K-4M)")
    parser.add_argument("--segment-size", type=types.byte_size_at_most(MAX_SEGMENT_SIZE), default=None, metavar="SIZE",
                        help="input sharing one zstd window (default 8M; longer: better ratio, slower; max 64M)")
    parser.add_argument("--long", action="store_true", help="zstd long-distance matching in segments (slower; helps binaries)")
    refs = parser.add_mutually_exclusive_group()
    refs.add_argument("--refs", dest="references", action="store_true", default=None,
                      help="store repeats of earlier segments, up to --ref-window back, as copies (default)")
    refs.add_argument("--no-refs", dest="references", action="store_false",
                      help="no copies from earlier segments (faster on data that never repeats far apart)")
    parser.add_argument("--ref-window", type=types.reference_window, default=None, metavar="SIZE",
                        help="output a streaming decoder keeps for copies and primed segments "
                             "(default 128M; with --no-refs two segments; 0 = none)")
    cluster = parser.add_argument_group("on a Dask cluster (needs sigmalang[dask])")
    cluster.add_argument("--scheduler", metavar="ADDRESS", default=None,
                         help="compress, decompress or verify on the Dask cluster at ADDRESS (tcp://host:8786): its "
                              "workers read the files themselves (URLs, or paths they share)")
    cluster.add_argument("--range-size", type=types.byte_size, default=None, metavar="SIZE",
                         help="input per task with --scheduler (default 64M; whole segments); each range is a stream "
                              "of its own, whose copies reach only within it")
    parser.add_argument("-S", "--suffix", default=SUFFIX, help=f"suffix of compressed files (default {SUFFIX})")
    parser.add_argument("-q", "--quiet", action="store_true", help="print no warnings or summaries")
    parser.add_argument("-v", "--verbose", action="store_true", help="print a summary per file")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    parser.add_argument("-V", "--version", action="version", version=f"sigmalang {__version__}")
    parser.set_defaults(action="compress", remove=False)
    return parser
