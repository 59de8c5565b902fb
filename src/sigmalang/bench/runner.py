"""Runs ``sigmalang bench``: every available codec on every input, each in a child process."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..profile.data import generate
from ..profile.machine import machine_info, now_utc
from ..profile.memory import ChildFailed, run_python_child
from ..profile.schema import BENCH_SCHEMA_VERSION
from ..settings import DEFAULT_THREADS, available_cores
from .cli_tool import measure_cli, zstd_path, zstd_version
from .codecs import Spec, default_specs, missing
from .pareto import frontier

MIB = 1 << 20
Progress = Callable[[str], None]

MEMORY_NOTE = (
    "peak RSS of the child process during the calls above its RSS just before them (input already loaded; "
    "Linux high-water mark reset before each phase); zstd CLI: largest RSS sampled every 10 ms"
)


@dataclass(frozen=True)
class BenchInput:
    name: str
    path: str
    numeric: bool = False


@dataclass(frozen=True)
class BenchSettings:
    runs: int = 3
    budget: float = 5.0  # seconds per measurement before stopping early
    threads: int = DEFAULT_THREADS
    cap: int = 4 * MIB  # bytes measured for the slow (capped) codecs
    typesize: int = 8
    sigmalang_levels: tuple[int, ...] = (1, 3, 9, 19)
    zstd_cli: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "runs": self.runs,
            "budget_s": self.budget,
            "threads": self.threads,
            "threads_resolved": self.threads or available_cores(),
            "cap_bytes": self.cap,
            "lzma_cap_bytes": self.cap,
            "typesize": self.typesize,
            "sigmalang_levels": list(self.sigmalang_levels),
            "memory": MEMORY_NOTE,
            "speed": "MB/s = 10^6 raw bytes per second of wall time; best and mean of the runs",
        }


def builtin_input(kind: str, size: int, directory: str) -> BenchInput:
    """The generated sample ``kind`` (``mixed`` is ``sigmalang demo``'s) written to a file."""
    path = os.path.join(directory, f"{kind}-{size >> 20}MiB.bin")
    Path(path).write_bytes(generate(kind, size))
    return BenchInput(f"built-in {kind} sample, {size / MIB:g} MiB", path, numeric=kind == "numeric")


def _speeds(size: int, times: list[float]) -> dict[str, float]:
    return {"best": size / min(times) / 1e6, "mean": size / (sum(times) / len(times)) / 1e6}


def _result(name: str, family: str, level: int | None, threads: int | None, raw: dict, note: str, capped: bool) -> dict[str, object]:
    size = int(raw["input_bytes"])
    return {
        "name": name,
        "family": family,
        "level": level,
        "threads": threads,
        "input_bytes": size,
        "capped": capped,
        "compressed_bytes": int(raw["compressed_bytes"]),
        "ratio": size / int(raw["compressed_bytes"]),
        "compress_mb_s": _speeds(size, raw["compress_times"]),
        "decompress_mb_s": _speeds(size, raw["decompress_times"]),
        "runs": {"compress": len(raw["compress_times"]), "decompress": len(raw["decompress_times"])},
        "compress_peak_bytes": raw["compress_peak_bytes"],
        "decompress_peak_bytes": raw["decompress_peak_bytes"],
        "note": note,
    }


def _cap_note(spec_capped: bool, limit: int | None, size: int) -> tuple[bool, str]:
    if spec_capped and limit is not None and limit < size:
        return True, f"first {limit / MIB:g} MiB only (slow)"
    return False, ""


def _run_spec(spec: Spec, item: BenchInput, s: BenchSettings, threads: int, size: int) -> dict[str, object]:
    limit = s.cap if spec.capped else None
    args = ["-m", "sigmalang.bench.worker", "--family", spec.family, "--threads", str(threads),
            "--input", item.path, "--runs", str(s.runs), "--budget", str(s.budget), "--typesize", str(s.typesize)]
    if spec.level is not None:
        args += ["--level", str(spec.level)]
    if spec.variant:
        args += ["--variant", spec.variant]
    if limit is not None:
        args += ["--limit", str(limit)]
    raw = run_python_child(args, sample=False).report
    capped, note = _cap_note(spec.capped, limit, size)
    if spec.family == "blosc2":
        note = f"typesize {s.typesize}"
    uses_threads = spec.family in ("sigmalang", "zstandard", "blosc2")
    return _result(spec.name(threads), spec.family, spec.level, threads if uses_threads else 1, raw, note, capped)


def _cli_rows(item: BenchInput, s: BenchSettings, threads: int, size: int, tmp: str, say: Progress) -> list[dict[str, object]]:
    zstd = zstd_path()
    if zstd is None:
        return []
    rows = []
    version = zstd_version(zstd)
    for level in (1, 3, 9, 19):
        say(f"{item.name}: zstd CLI -{level}")
        src = item.path
        capped, note = _cap_note(level >= 19, s.cap, size)
        if capped:
            src = os.path.join(tmp, f"cap-{level}.bin")
            with open(item.path, "rb") as f:
                Path(src).write_bytes(f.read(s.cap))
        raw = measure_cli(zstd, src if capped else _copy(item.path, tmp), level, threads, s.runs, s.budget)
        note = "; ".join(filter(None, [note, f"zstd {version}, process start and file I/O included"]))
        rows.append(_result(f"zstd CLI -{level} -T{threads}", "zstd-cli", level, threads, raw, note, capped))
    return rows


def _copy(path: str, tmp: str) -> str:
    """The CLI writes beside its input: give it a copy in our temporary directory."""
    target = os.path.join(tmp, "cli-input.bin")
    if not os.path.exists(target) or os.path.getsize(target) != os.path.getsize(path):
        with open(path, "rb") as src, open(target, "wb") as dst:
            while block := src.read(MIB):
                dst.write(block)
    return target


def run_bench(inputs: list[BenchInput], settings: BenchSettings, progress: Progress | None = None,
              specs: list[Spec] | None = None) -> dict[str, object]:
    """Measure every codec on every input; returns the bench document (see ``profile.schema``)."""
    say = progress or (lambda message: None)
    threads = settings.threads or available_cores()
    specs = specs if specs is not None else default_specs(settings.sigmalang_levels)
    skipped: list[dict[str, str]] = []
    for family in dict.fromkeys(sp.family for sp in specs):
        why = missing(family)
        if why:
            skipped.append({"name": family, "reason": why})
    if settings.zstd_cli and zstd_path() is None:
        skipped.append({"name": "zstd CLI", "reason": "zstd is not on PATH"})
    runnable = [sp for sp in specs if missing(sp.family) is None]
    documents = []
    for item in inputs:
        size = os.path.getsize(item.path)
        results = []
        for spec in runnable:
            if spec.numeric_only and not item.numeric:
                continue
            say(f"{item.name}: {spec.name(threads)}")
            try:
                results.append(_run_spec(spec, item, settings, threads, size))
            except ChildFailed as exc:
                skipped.append({"name": f"{spec.name(threads)} on {item.name}", "reason": str(exc).splitlines()[-1]})
        if settings.zstd_cli:
            with tempfile.TemporaryDirectory(prefix="sigmalang-bench-") as tmp:
                results += _cli_rows(item, settings, threads, size, tmp, say)
        # Capped rows measured a prefix of the input: not comparable, so not on the frontier.
        whole = [r for r in results if not r["capped"]]
        points = [(float(r["compress_mb_s"]["best"]), float(r["ratio"])) for r in whole]  # type: ignore[index, arg-type]
        on_frontier = {id(whole[i]) for i in frontier(points)}
        for r in results:
            r["pareto"] = id(r) in on_frontier
        documents.append({"name": item.name, "path": item.path, "bytes": size, "numeric": item.numeric, "results": results})
    if not any(item.numeric for item in inputs) and any(sp.numeric_only for sp in runnable):
        skipped.append({"name": "blosc2", "reason": "runs on numeric inputs only (--data numeric or --typesize)"})
    return {
        "schema_version": BENCH_SCHEMA_VERSION,
        "kind": "sigmalang.bench",
        "created": now_utc(),
        "machine": {**machine_info(), "python_executable": sys.executable},
        "settings": settings.as_dict(),
        "inputs": documents,
        "skipped": skipped,
        "charts": {"files": [], "skipped": None},
    }
