"""sigmalang as a Zarr codec beside Zarr's default codec chain and Blosc, on the same arrays, same run.

    python benchmarks/zarr.py                       # 32 MiB per array, 1 MiB chunks, best of 5
    python benchmarks/zarr.py --size 64 --runs 7 --readme README.md

The arrays are the generated numeric series of the built-in sample (int32
counters with small random steps, a float64 random walk kept to 3 decimals),
shaped 2-D. Each is written to an in-memory Zarr store (format 3, the same
chunk shape for every codec) and read back with:

  sigmalang        compressors=[SigmalangCodec(level=--level)]
  zarr default     compressors="auto" (what Zarr picks when told nothing)
  blosc            BloscCodec(cname="zstd", clevel=5, shuffle="shuffle")

Ratio is raw bytes over stored bytes; write and read are MB/s (10**6 raw bytes
per second) of ``array[:] = data`` into a fresh array and ``array[:]``, best
of --runs with the codecs taking turns in every round. Zarr runs several
chunks at once on its thread pool; each codec encodes a chunk on one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

# This file is named zarr.py: the script's folder must not shadow the zarr package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
import numcodecs  # noqa: E402
import zarr  # noqa: E402
from zarr.codecs import BloscCodec  # noqa: E402

sys.path.insert(0, str(HERE))
import sigmalang  # noqa: E402
from _blocks import replace_block  # noqa: E402
from sigmalang.profile.timing import BestTimes  # noqa: E402
from sigmalang.corpus import float_series, int_counters  # noqa: E402
from sigmalang.zarr import SigmalangCodec  # noqa: E402

MIB = 1 << 20


def arrays(size: int) -> dict[str, np.ndarray]:
    """The int and float arrays, ``size`` bytes each, 1024 columns wide."""
    ints = np.frombuffer(int_counters(size), dtype="<i4")
    floats = np.frombuffer(float_series(size), dtype="<f8")
    return {"int32": ints.reshape(-1, 1024), "float64": floats.reshape(-1, 1024)}


def codecs(level: int) -> dict[str, Any]:
    return {
        f"sigmalang -{level}": [SigmalangCodec(level=level)],
        "zarr default": "auto",
        "blosc zstd-5 shuffle": [BloscCodec(cname="zstd", clevel=5, shuffle="shuffle")],
    }


def measure(data: np.ndarray, chunk_bytes: int, level: int, runs: int) -> tuple[list[dict[str, object]], dict[str, str]]:
    """Every codec's ratio and best write/read times on ``data``, codecs taking turns."""
    rows = max(1, chunk_bytes // (data.shape[1] * data.itemsize))
    chosen = codecs(level)
    writes, reads = BestTimes(), BestTimes()
    stored: dict[str, int] = {}
    chains: dict[str, str] = {}
    for _ in range(runs):
        for name, compressors in chosen.items():
            store = zarr.storage.MemoryStore()
            array = zarr.create_array(store=store, shape=data.shape, chunks=(rows, data.shape[1]),
                                      dtype=data.dtype, compressors=compressors)
            writes.time(name, lambda: array.__setitem__(slice(None), data))
            back = reads.time(name, lambda: array[:])
            if not np.array_equal(back, data):
                raise AssertionError(f"{name}: the array read back differs from the one written")
            stored[name] = array.nbytes_stored()
            chains[name] = ", ".join(json.dumps(c.to_dict(), separators=(",", ":")) for c in array.compressors)
    mb = data.nbytes / 1e6
    results = [
        {"codec": name, "ratio": data.nbytes / stored[name], "write": mb / writes.best[name], "read": mb / reads.best[name]}
        for name in chosen
    ]
    return results, chains


def markdown(results: dict[str, list[dict[str, object]]], header: str) -> str:
    lines = [header, "", "| array | codec | ratio | write MB/s | read MB/s |", "|---|---|---:|---:|---:|"]
    for kind, rows in results.items():
        for row in rows:
            lines.append(f"| {kind} | {row['codec']} | {row['ratio']:.3f} | {row['write']:.0f} | {row['read']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=32, metavar="MIB", help="size of each array (default 32)")
    parser.add_argument("--chunk", type=int, default=1024, metavar="KIB", help="bytes per Zarr chunk (default 1024)")
    parser.add_argument("--level", type=int, default=sigmalang.DEFAULT_LEVEL, help="sigmalang level (default 3)")
    parser.add_argument("--runs", type=int, default=5, help="rounds; the best time of each codec is kept (default 5)")
    parser.add_argument("--readme", type=Path, help="also replace the block between the zarr.py markers in this file")
    args = parser.parse_args()
    results: dict[str, list[dict[str, object]]] = {}
    chains: dict[str, str] = {}
    for kind, data in arrays(args.size * MIB).items():
        results[kind], chains = measure(data, args.chunk * 1024, args.level, args.runs)
        print(f"{kind}: " + ", ".join(f"{r['codec']} {r['ratio']:.3f}" for r in results[kind]), flush=True)
    default_chain = chains["zarr default"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    header = (
        f"{date.today().isoformat()}, {os.cpu_count()} CPUs, load average {load} (1, 5, 15 min) at the end; "
        f"{args.size} MiB per array, {args.chunk} KiB chunks of 1024-wide rows, Zarr format 3 in memory, best of {args.runs} "
        f"(codecs in turns), Python {platform.python_version()}, zarr {zarr.__version__}, "
        f"numcodecs {numcodecs.__version__}, sigmalang {sigmalang.__version__}; Zarr's default compressors here: "
        f"`{default_chain}`. Command: `python benchmarks/zarr.py --size {args.size} --chunk {args.chunk} --runs {args.runs}`."
    )
    text = markdown(results, header)
    print()
    print(text)
    if args.readme:
        replace_block(args.readme, "benchmarks/zarr.py", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
