"""sigmalang on a Dask cluster: 1 worker against 2, and against the local encoder and decoder, same data, same run.

    python benchmarks/cluster.py                          # 64 MiB, ranges of 16 MiB, best of 3
    python benchmarks/cluster.py --size 256 --range 32 --runs 5 --kinds mixed
    python benchmarks/cluster.py --kinds "" --file /tmp/corpus/versioned.bin   # far repeats

The data are samples of ``sigmalang.corpus`` (--kinds: by default the mixed
sample, and NDJSON records; structured segments are primed with the one before
only where that makes their head clearly smaller, which these random records
do not, so "streams" says whether a local run's stream has chunks that later
ones read), and any --file (versioned copies show what copies lost at range
boundaries cost; their REFERENCE chunks do read back),
each in turn in a file of a temporary folder. Two LocalClusters of process workers (one thread
each: one encoder per worker thread) are started first, one with 1 worker and
one with 2, and stay up for the whole run. Every contestant compresses that
file to a file and decompresses its own output to a file, level 3:

  local T1, local T2   StreamingEncoder / StreamingDecoder with 1 and 2 threads
  dask, N worker(s)    sigmalang.dask.compress_file / decompress_file, ranges of --range MiB
  dask, 2 workers, local file   decompress_file of the local run's file (one stream:
                       decoded by segments if no chunk reads back, else whole by one task)

Ratio is raw over compressed bytes (the cluster's output holds one stream per
range: copies and primes reach only within a range; "streams" counts them, and
says whether any chunk of the local run's stream is read back); MB/s are 10**6 raw bytes
per second of wall time, best of --runs, the contestants taking turns round
after round, encoding and decoding alike; "x local T2" divides by local T2's
figure of the same run. The cluster figures include moving every range
between processes (workers read the file; the client writes the output).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable

import dask  # noqa: E402
import distributed  # noqa: E402

import sigmalang  # noqa: E402
import sigmalang.dask as cluster  # noqa: E402
from sigmalang.corpus import KINDS, mixed  # noqa: E402
from sigmalang.format.index import read_stream_indexes  # noqa: E402
from sigmalang.format.limits import DEFAULT_LIMITS  # noqa: E402
from sigmalang.profile.timing import BestTimes, turns  # noqa: E402

MIB = 1 << 20
BASE = "local T2"


LOCAL_FILE = "dask, 2 workers, local file"


def slug(name: str) -> str:
    return name.replace(",", "").replace(" ", "_")


def contestants(src: Path, folder: Path, clients: dict[int, Any], range_size: int) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    """Per contestant: (compress src into its file, decompress its file)."""
    def packed(name: str) -> Path:
        return folder / f"{slug(BASE if name == LOCAL_FILE else name)}.sgl"

    def unpacked(name: str) -> Path:
        return folder / f"{slug(name)}.out"

    chosen: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {}
    for threads in (1, 2):
        name = f"local T{threads}"
        chosen[name] = (
            lambda name=name, t=threads: sigmalang.StreamingEncoder(threads=t).encode_file(src, packed(name)),
            lambda name=name, t=threads: sigmalang.StreamingDecoder(threads=t).decode_file(packed(name), unpacked(name)),
        )
    for workers, client in clients.items():
        name = f"dask, {workers} worker{'s' if workers > 1 else ''}"
        chosen[name] = (
            lambda name=name, c=client: cluster.compress_file(str(src), str(packed(name)), client=c, range_size=range_size),
            lambda name=name, c=client: cluster.decompress_file(str(packed(name)), str(unpacked(name)), client=c, range_size=range_size),
        )
    chosen[LOCAL_FILE] = (
        lambda: None,  # decodes the local T2 run's file
        lambda: cluster.decompress_file(str(packed(LOCAL_FILE)), str(unpacked(LOCAL_FILE)), client=clients[2], range_size=range_size),
    )
    return chosen


def streams(path: Path) -> str:
    """How many streams a file holds, and whether any chunk is read back by a later one."""
    with path.open("rb") as fp:
        found = read_stream_indexes(fp, DEFAULT_LIMITS)
    assert found is not None
    read_back = any(index.referenced for _, index in found)
    return f"{len(found)}{', read back' if read_back else ''}"


def measure(src: Path, folder: Path, clients: dict[int, Any], range_size: int, runs: int) -> tuple[BestTimes, BestTimes, dict[str, Path]]:
    chosen = contestants(src, folder, clients, range_size)
    encodes, decodes = BestTimes(), BestTimes()
    names = list(chosen)
    for step in (0, 1):  # once untimed: first-call costs (imports, worker warm-up) fall on no one
        for name in names:
            chosen[name][step]()
    for name in turns(names, runs):
        if name != LOCAL_FILE:
            encodes.time(name, chosen[name][0])
    for name in turns(names, runs):
        decodes.time(name, chosen[name][1])
    data = src.read_bytes()
    outputs = {}
    for name in names:
        if (folder / f"{slug(name)}.out").read_bytes() != data:
            raise SystemExit(f"{name}: the round trip is not byte-exact")
        outputs[name] = folder / f"{slug(BASE if name == LOCAL_FILE else name)}.sgl"
    return encodes, decodes, outputs


def table(kind: str, size: int, encodes: BestTimes, decodes: BestTimes, outputs: dict[str, Path]) -> str:
    mb = size / 1e6
    enc, dec = encodes.best, decodes.best
    lines = [
        "| data | contestant | ratio | streams | encode MB/s | x local T2 | decode MB/s | x local T2 |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for name in dec:
        encode = f"{mb / enc[name]:.0f} | {enc[BASE] / enc[name]:.2f}" if name in enc else "- | -"
        ratio = size / outputs[name].stat().st_size
        lines.append(
            f"| {kind} | {name} | {ratio:.3f} | {streams(outputs[name])} | {encode} | {mb / dec[name]:.0f} | {dec[BASE] / dec[name]:.2f} |"
        )
    return "\n".join(lines)


def header(args: argparse.Namespace) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    data = [f"{args.size} MiB of each of {args.kinds.replace(',', ', ')}"] if args.kinds else []
    data += [f"{path.name} whole" for path in args.file]
    command = f"python benchmarks/cluster.py --size {args.size} --range {args.range} --runs {args.runs} --kinds '{args.kinds}'"
    command += "".join(f" --file {path.name}" for path in args.file)
    return (
        f"{date.today().isoformat()}, {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end; "
        f"{'; '.join(data)}; level 3, ranges of {args.range} MiB, best of {args.runs} (contestants in turns), "
        f"process workers with one thread each; Python {platform.python_version()}, dask {dask.__version__}, "
        f"distributed {distributed.__version__}, sigmalang {sigmalang.__version__}. Command: `{command}`."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64, help="MiB of data (default 64)")
    parser.add_argument("--range", type=int, default=16, help="MiB per cluster task (default 16)")
    parser.add_argument("--runs", type=int, default=3, help="rounds; each contestant keeps its best (default 3)")
    parser.add_argument("--kinds", default="mixed,json", help=f"samples, comma-separated: mixed, {', '.join(KINDS)} (default mixed,json)")
    parser.add_argument("--file", type=Path, action="append", default=[],
                        help="also this file, whole (such as versioned.bin of benchmarks/adaptive_corpus.py); repeatable")
    args = parser.parse_args()
    samples: dict[str, Callable[[int], bytes]] = {"mixed": mixed, **KINDS}
    inputs = {kind: lambda kind=kind: samples[kind](args.size * MIB) for kind in args.kinds.split(",") if kind}
    inputs.update({path.name: path.read_bytes for path in args.file})
    folder = Path(tempfile.mkdtemp(prefix="sigmalang-dask-"))
    clusters = [distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") for n in (1, 2)]
    clients = {n: distributed.Client(c, set_as_default=False) for n, c in zip((1, 2), clusters)}
    tables = []
    try:
        for kind, read in inputs.items():
            src = folder / "input.bin"
            src.write_bytes(read())
            encodes, decodes, outputs = measure(src, folder, clients, args.range * MIB, args.runs)
            tables.append(table(kind, src.stat().st_size, encodes, decodes, outputs))
    finally:
        for resource in (*clients.values(), *clusters):
            resource.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(header(args))
    print()
    print("\n".join([tables[0], *(t.split("\n", 2)[2] for t in tables[1:])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
