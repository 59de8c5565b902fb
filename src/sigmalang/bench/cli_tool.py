"""The ``zstd`` command line as a peer: timed as a whole process, from file to file.

Its times include process start-up and file I/O (in the temporary directory),
so they understate the library's speed; its peak memory is the largest RSS
sampled every 10 ms (a spike shorter than that can be missed).
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess

from ..profile.memory import run_sampled
from ..profile.timing import timed_runs


def zstd_path() -> str | None:
    return shutil.which("zstd")


def zstd_version(zstd: str) -> str:
    out = subprocess.run([zstd, "-V"], capture_output=True, text=True, check=False).stdout.strip()
    return out.split(" v")[-1].split(",")[0] if " v" in out else out


def measure_cli(zstd: str, raw: str, level: int, threads: int, runs: int, budget: float | None) -> dict[str, object]:
    """Compress ``raw`` with ``zstd -LEVEL -T THREADS`` and back; check the bytes round-trip."""
    packed, restored = raw + f".{level}.zst", raw + f".{level}.out"
    ultra = ["--ultra"] if level > 19 else []
    compress = [zstd, *ultra, f"-{level}", f"-T{threads}", "-q", "-f", raw, "-o", packed]
    decompress = [zstd, "-d", "-q", "-f", packed, "-o", restored]

    def run(cmd: list[str]) -> None:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    c = timed_runs(lambda: run(compress), runs, budget)
    d = timed_runs(lambda: run(decompress), runs, budget)
    if not filecmp.cmp(raw, restored, shallow=False):
        raise RuntimeError(f"zstd CLI -{level}: round trip FAILED")
    compressed = os.path.getsize(packed)
    c_peak = run_sampled(compress).sampled_peak
    d_peak = run_sampled(decompress).sampled_peak
    for path in (packed, restored):
        os.unlink(path)
    return {
        "input_bytes": os.path.getsize(raw),
        "compressed_bytes": compressed,
        "compress_times": c.times,
        "decompress_times": d.times,
        "compress_peak_bytes": c_peak or None,
        "decompress_peak_bytes": d_peak or None,
    }
