"""Load: many users at once, each with its own compressor and decompressor objects.

    python tools/load.py threads --threads 8 --streams 1000
    python tools/load.py processes --processes 4 --size 1G

``threads``: in one process, each thread encodes and decodes ``--streams``
small streams (1-64 KiB of mixed data, every level and path), comparing each
round trip byte for byte; prints the process's memory before and after.
``processes``: that many processes at once each encode ``--size`` of the
mixed sample from a generator into a temporary file and decode it back,
comparing xxh3 digests of what went in and what came out; each prints its
own peak memory (VmHWM). Exit status 0 when every round trip is exact.
docs/RELIABILITY.md gives the runs.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import xxhash

import sigmalang
from sigmalang.corpus import mixed
from sigmalang.profile.data import CycleStream, make_cycle

MIB = 1 << 20


def _round_trips(seed: int, streams: int, failures: list[str]) -> None:
    """One thread's work: its own encoder and decoder objects, never shared."""
    rng = random.Random(seed)
    sample = mixed(MIB, seed=seed % 7)
    encoder = sigmalang.StreamingEncoder(level=rng.choice((1, 3)), threads=1)
    decoder = sigmalang.StreamingDecoder(1)
    for i in range(streams):
        start = rng.randrange(len(sample) - 65536)
        data = sample[start : start + rng.randrange(1024, 65536)]
        blob = encoder.compress(data)
        if i % 3 == 0:
            out = decoder.decompress(blob)
        else:
            out = b"".join(decoder.feed(blob)) + b"".join(decoder.flush())
            decoder.reset()
        if out != data:
            failures.append(f"thread {seed}: stream {i} did not round-trip")


def thread_load(threads: int, streams: int) -> dict[str, object]:
    """``threads`` threads each round-trip ``streams`` small streams; memory and failures."""
    rss = psutil.Process().memory_info().rss
    failures: list[str] = []
    workers = [threading.Thread(target=_round_trips, args=(seed, streams, failures)) for seed in range(threads)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    seconds = time.perf_counter() - started
    after = psutil.Process().memory_info().rss
    return {
        "round_trips": threads * streams,
        "failures": failures,
        "seconds": seconds,
        "rss_before_mib": rss / MIB,
        "rss_after_mib": after / MIB,
        "rss_trimmed_mib": _trimmed_rss() / MIB,
    }


def _trimmed_rss() -> int:
    """Resident memory once freed memory is given back: glibc keeps freed blocks of
    many threads for reuse, which is not a leak (malloc_trim returns them)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name and sys.platform.startswith("linux"):
        trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
        if trim is not None:
            trim(0)
    return int(psutil.Process().memory_info().rss)


class _Hashing:
    """A reader or writer that hashes what passes through it."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.digest = xxhash.xxh3_64()
        self.count = 0

    def readinto(self, buffer: memoryview) -> int:
        n = self.inner.readinto(buffer)  # type: ignore[attr-defined]
        self.digest.update(memoryview(buffer)[:n])
        self.count += n
        return n

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.count += len(data)
        return len(data)


def _peak_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def child(size: int, threads: int) -> dict[str, object]:
    """One process's work: encode ``size`` bytes from a generator, decode them back."""
    started = time.perf_counter()
    source = _Hashing(CycleStream(make_cycle("mixed"), size))
    with tempfile.TemporaryFile() as packed:
        sigmalang.StreamingEncoder(threads=threads).encode_stream(source, packed)  # type: ignore[arg-type]
        compressed = packed.tell()
        packed.seek(0)
        sink = _Hashing(None)
        sigmalang.StreamingDecoder(threads).decode_stream(packed, sink)  # type: ignore[arg-type]
    exact = sink.count == source.count == size and sink.digest.intdigest() == source.digest.intdigest()
    return {"exact": exact, "bytes": size, "compressed": compressed, "seconds": time.perf_counter() - started,
            "peak_mib": _peak_mib()}


def process_load(processes: int, size: int, threads: int) -> list[dict[str, object]]:
    """Start ``processes`` children at once; each one's report."""
    command = [sys.executable, str(Path(__file__).resolve()), "_child", str(size), str(threads)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    reports = []
    for proc in procs:
        out, _ = proc.communicate()
        reports.append(json.loads(out) if proc.returncode == 0 else {"exact": False, "exit": proc.returncode})
    return reports


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("threads")
    t.add_argument("--threads", type=int, default=8)
    t.add_argument("--streams", type=int, default=1000)
    t.add_argument("--batches", type=int, default=1, help="run it again this many times: memory must not keep growing")
    p = sub.add_parser("processes")
    p.add_argument("--processes", type=int, default=4)
    p.add_argument("--size", type=_size, default=1 << 30)
    p.add_argument("--threads", type=int, default=1, help="worker threads of each process's encoder and decoder")
    c = sub.add_parser("_child")
    c.add_argument("size", type=int)
    c.add_argument("threads", type=int)
    args = parser.parse_args(argv)
    if args.mode == "_child":
        print(json.dumps(child(args.size, args.threads)))
        return 0
    if args.mode == "threads":
        reports = [thread_load(args.threads, args.streams) for _ in range(args.batches)]
        print(json.dumps(reports, indent=1))
        return 0 if not any(r["failures"] for r in reports) else 1
    reports = process_load(args.processes, args.size, args.threads)
    for i, r in enumerate(reports):
        print(f"process {i}: " + json.dumps(r))
    return 0 if all(r["exact"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
