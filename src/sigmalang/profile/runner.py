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
from .data import KIND_NAMES, describe, write_cycle
from .fit import power_fit
from .machine import machine_info, now_utc
from .memory import SAMPLE_INTERVAL, ChildRun, run_python_child
from .schema import PROFILE_SCHEMA_VERSION
from .stats import summarize

MIB = 1 << 20
DEFAULT_SIZES_MIB = (1, 4, 16, 64, 256)
FULL_EXTRA_MIB = (1024,)
ENGINE_DESCRIPTIONS = {
    "sigmalang": "StreamingEncoder.encode_stream / StreamingDecoder.decode_stream, generated stream to a null sink",
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


def _worker_args(s: ProfileSettings, engine: str, mode: str, size: int, cycle: str | None, coded: str | None) -> list[str]:
    args = ["-m", "sigmalang.profile.worker", "--engine", engine, "--mode", mode, "--size", str(size),
            "--data", s.data, "--level", str(s.level), "--threads", str(s.threads)]
    if cycle:
        args += ["--cycle", cycle]
    if mode == "decode" and coded:
        args += ["--input", coded]
    return args


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
            coded: dict[str, str] = {}
            if "decode" in settings.modes:
                for engine in settings.engines:
                    coded[engine] = os.path.join(tmp, f"{engine}-{size}.bin")
                    say(f"{size / MIB:g} MiB: preparing the {engine} decode input")
                    run_python_child([*_worker_args(settings, engine, "encode", size, cycle, None), "--output", coded[engine]], sample=False)
            for mode in settings.modes:
                timed: dict[str, list[ChildRun]] = {e: [] for e in settings.engines}
                for run in range(settings.runs):
                    for engine in settings.engines:
                        say(f"{size / MIB:g} MiB {mode} {engine}: run {run + 1} of {settings.runs}")
                        timed[engine].append(run_python_child(_worker_args(settings, engine, mode, size, cycle, coded.get(engine))))
                for engine in settings.engines:
                    say(f"{size / MIB:g} MiB {mode} {engine}: Python-heap peak (tracemalloc)")
                    heap = run_python_child([*_worker_args(settings, engine, mode, size, cycle, coded.get(engine)), "--tracemalloc"], sample=False)
                    points.append(_point(engine, mode, size, timed[engine], heap))
            for path in coded.values():
                Path(path).unlink(missing_ok=True)
    return {
        "schema_version": PROFILE_SCHEMA_VERSION,
        "kind": "sigmalang.profile",
        "created": now_utc(),
        "machine": machine_info(),
        "settings": settings.as_dict(),
        "points": points,
        "fits": fits(points),
        "charts": {"files": [], "skipped": None},
    }
