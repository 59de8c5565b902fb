"""Runs a profile: every (size, mode, engine) point ``runs`` times, each in a fresh child.

Decode inputs are prepared once per size (by an untimed encode child that keeps
its output). Within a run the engines alternate, so slow spells of a shared
machine fall on both. A separate, untimed child per point measures the
Python-heap peak with tracemalloc, so tracing never slows the timed runs.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..settings import DEFAULT_LEVEL, DEFAULT_THREADS, available_cores
from .data import KIND_NAMES, describe, open_source, write_cycle
from .fit import power_fit
from .machine import machine_info, now_utc
from .memory import SAMPLE_INTERVAL, ChildRun, run_python_child
from .schema import PROFILE_SCHEMA_VERSION
from .stats import summarize
from .targets import memory_checks

MIB = 1 << 20
DEFAULT_SIZES_MIB = (1, 4, 16, 64, 256)
FULL_EXTRA_MIB = (1024,)
ENGINE_DESCRIPTIONS = {
    "sigmalang-file": "file to file, as `sigmalang FILE` does it: StreamingEncoder.encode_file (the workers read the "
    "input by position) / StreamingDecoder.decode_file (the workers write the output by position)",
    "sigmalang-pipe": "streamed like a pipe: StreamingEncoder.encode_stream of the input file read in sequence (it "
    "cannot seek nor tell its size) / StreamingDecoder.decode_stream of input that cannot seek, both to a null sink",
    "whole": "whole-buffer baseline: input read into one buffer, zstandard.ZstdCompressor(level).compress(buffer) "
    "(one thread); decode: ZstdDecompressor().decompress(whole compressed input)",
}
ENGINES = tuple(ENGINE_DESCRIPTIONS)
TRACE_POINTS = 400  # samples kept per memory-over-time trace

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ProfileSettings:
    sizes: tuple[int, ...]  # bytes
    runs: int = 3
    modes: tuple[str, ...] = ("encode", "decode")
    threads: int = DEFAULT_THREADS
    level: int = DEFAULT_LEVEL
    data: str = "mixed"
    engines: tuple[str, ...] = field(default=ENGINES)

    def as_dict(self) -> dict[str, object]:
        return {
            "sizes_bytes": list(self.sizes),
            "runs": self.runs,
            "modes": list(self.modes),
            "threads": self.threads,
            "threads_resolved": self.threads or available_cores(),
            "level": self.level,
            "data": self.data,
            "data_description": describe(self.data),
            "engines": {e: ENGINE_DESCRIPTIONS[e] for e in self.engines},
            "sample_interval_s": SAMPLE_INTERVAL,
            "timing": "wall time of the work alone, inside the child (reading the generated input included)",
            "peak_rss": "the child's own peak RSS (VmHWM on Linux, else ru_maxrss); growth = peak minus its RSS just before the work",
        }


def _worker_args(s: ProfileSettings, engine: str, mode: str, size: int, cycle: str | None, inputs: dict[str, str]) -> list[str]:
    args = ["-m", "sigmalang.profile.worker", "--engine", engine, "--mode", mode, "--size", str(size),
            "--data", s.data, "--level", str(s.level), "--threads", str(s.threads)]
    if cycle:
        args += ["--cycle", cycle]
    source = inputs.get(engine) if mode == "decode" else inputs.get("raw") if engine != "whole" else None
    if source:
        args += ["--input", source]
    return args


def write_input(settings: ProfileSettings, cycle: str | None, size: int, path: str) -> None:
    """The raw input of a size as a regular file (for the file-to-file engine), written a MiB at a time."""
    src = open_source(settings.data, cycle, size)
    buf = bytearray(MIB)
    with open(path, "wb") as out:
        while n := src.readinto(buf):
            out.write(memoryview(buf)[:n])
    src.close()


def _run_record(child: ChildRun) -> dict[str, object]:
    r = child.report
    wall = float(r["wall_s"])  # type: ignore[arg-type]
    size = int(r["size"])  # type: ignore[call-overload]
    return {
        "wall_s": wall,
        "mb_s": size / wall / 1e6 if wall > 0 else 0.0,
        "peak_rss": r["peak_rss"],
        "idle_rss": r["idle_rss"],
        "growth_rss": int(r["peak_rss"]) - int(r["idle_rss"]),  # type: ignore[call-overload]
        "sampled_peak_rss": child.sampled_peak,
        "output_bytes": r["output_bytes"],
        "declared_window": r.get("declared_window"),
    }


def _trace(child: ChildRun) -> dict[str, object]:
    step = max(1, len(child.trace_t) // TRACE_POINTS)
    r = child.report
    return {
        "t_s": [round(t, 4) for t in child.trace_t[::step]],
        "rss": child.trace_rss[::step],
        "work_start_s": round(float(r["work_start"]) - child.started, 4),  # type: ignore[arg-type]
        "work_end_s": round(float(r["work_end"]) - child.started, 4),  # type: ignore[arg-type]
    }


def _point(engine: str, mode: str, size: int, children: list[ChildRun], heap: ChildRun) -> dict[str, object]:
    runs = [_run_record(c) for c in children]
    coded = int(runs[0]["output_bytes"]) if mode == "encode" else None  # type: ignore[call-overload]
    return {
        "engine": engine,
        "mode": mode,
        "size_bytes": size,
        "runs": runs,
        "peak_rss": summarize(r["peak_rss"] for r in runs).as_dict(),  # type: ignore[misc]
        "growth_rss": summarize(r["growth_rss"] for r in runs).as_dict(),  # type: ignore[misc]
        "wall_s": summarize(r["wall_s"] for r in runs).as_dict(),  # type: ignore[misc]
        "mb_s": {"best": max(r["mb_s"] for r in runs), "mean": sum(r["mb_s"] for r in runs) / len(runs)},  # type: ignore[type-var, misc]
        "ratio": size / coded if coded else None,
        "heap_peak": heap.report["heap_peak"],
        "declared_window": max((int(r["declared_window"]) for r in runs if r["declared_window"] is not None), default=None),  # type: ignore[call-overload]
        "trace": _trace(children[0]),
    }


def fits(points: list[dict[str, object]]) -> list[dict[str, object]]:
    """Power-law fits of mean peak RSS and of mean growth over idle, per engine and mode."""
    out: list[dict[str, object]] = []
    series = sorted({(p["engine"], p["mode"]) for p in points})
    for engine, mode in series:
        mine = sorted((p for p in points if (p["engine"], p["mode"]) == (engine, mode)), key=lambda p: p["size_bytes"])  # type: ignore[arg-type, return-value]
        if len(mine) < 2:
            continue
        sizes = [p["size_bytes"] / MIB for p in mine]  # type: ignore[operator]
        for metric in ("peak_rss", "growth_rss"):
            values = [p[metric]["mean"] for p in mine]  # type: ignore[index]
            entry: dict[str, object] = {"engine": engine, "mode": mode, "metric": metric, "x": "size_mib", "y": "bytes"}
            try:
                entry.update(power_fit(sizes, values).as_dict())
            except ValueError as exc:
                entry.update({"a": None, "b": None, "r2": None, "n": len(mine), "skipped": str(exc)})
            out.append(entry)
    return out


def _inputs(settings: ProfileSettings, size: int, cycle: str | None, tmp: str, say: Progress) -> dict[str, str]:
    """The files a size's runs read: the raw input for the file-to-file and pipe engines
    ("raw"), and each engine's own compressed output for decoding (made by an untimed child)."""
    inputs: dict[str, str] = {}
    if {"sigmalang-file", "sigmalang-pipe"} & set(settings.engines):
        inputs["raw"] = os.path.join(tmp, f"raw-{size}.bin")
        say(f"{size / MIB:g} MiB: writing the input file")
        write_input(settings, cycle, size, inputs["raw"])
    if "decode" in settings.modes:
        for engine in settings.engines:
            coded = os.path.join(tmp, f"{engine}-{size}.sgl")
            say(f"{size / MIB:g} MiB: preparing the {engine} decode input")
            run_python_child([*_worker_args(settings, engine, "encode", size, cycle, inputs), "--output", coded], sample=False)
            inputs[engine] = coded
    return inputs


def _measure_size(settings: ProfileSettings, size: int, cycle: str | None, tmp: str, say: Progress) -> list[dict[str, object]]:
    """Every mode and engine at one size: the engines take turns within each run."""
    points = []
    inputs = _inputs(settings, size, cycle, tmp, say)
    try:
        for mode in settings.modes:
            timed: dict[str, list[ChildRun]] = {e: [] for e in settings.engines}
            for run in range(settings.runs):
                for engine in settings.engines:
                    say(f"{size / MIB:g} MiB {mode} {engine}: run {run + 1} of {settings.runs}")
                    timed[engine].append(run_python_child(_worker_args(settings, engine, mode, size, cycle, inputs)))
            for engine in settings.engines:
                say(f"{size / MIB:g} MiB {mode} {engine}: Python-heap peak (tracemalloc)")
                heap = run_python_child([*_worker_args(settings, engine, mode, size, cycle, inputs), "--tracemalloc"], sample=False)
                points.append(_point(engine, mode, size, timed[engine], heap))
    finally:
        for path in inputs.values():
            Path(path).unlink(missing_ok=True)
    return points


def run_profile(settings: ProfileSettings, progress: Progress | None = None) -> dict[str, object]:
    """Measure every point and return the profile document (see ``schema``)."""
    say = progress or (lambda message: None)
    points: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="sigmalang-profile-") as tmp:
        cycle = None
        if settings.data in KIND_NAMES:
            say(f"generating the {settings.data} data cycle")
            cycle = os.path.join(tmp, "cycle.bin")
            write_cycle(settings.data, cycle)
        for size in settings.sizes:
            points += _measure_size(settings, size, cycle, tmp, say)
    return {
        "schema_version": PROFILE_SCHEMA_VERSION,
        "kind": "sigmalang.profile",
        "created": now_utc(),
        "machine": machine_info(),
        "settings": settings.as_dict(),
        "points": points,
        "fits": fits(points),
        "checks": memory_checks(points),
        "charts": {"files": [], "skipped": None},
    }
