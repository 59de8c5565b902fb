"""The JSON written by ``sigmalang profile`` (profile.json) and ``sigmalang bench --json``.

Both carry ``schema_version``; a change that removes or renames a key bumps it.
Sizes are bytes, times seconds, speeds MB/s (10**6 raw bytes per second).

profile.json (schema_version 2: engines name their path, points say the declared window, checks added)::

    schema_version  int
    kind            "sigmalang.profile"
    created         str, ISO 8601 UTC
    machine         {cpu_count, available_cores, cpu_model, platform, python,
                     sigmalang, zstandard, zstd_library}
    settings        {sizes_bytes [int], runs, modes [str], threads, threads_resolved,
                     level, data, data_description, engines {name: description},
                     sample_interval_s, timing, peak_rss}
    points          [{engine ("sigmalang-file" | "sigmalang-pipe" | "whole"),
                      mode ("encode" | "decode"), size_bytes,
                      runs [{wall_s, mb_s, peak_rss, idle_rss, growth_rss,
                             sampled_peak_rss, output_bytes, declared_window}],
                      peak_rss, growth_rss, wall_s: summary {n, mean, stdev, cv, min, max},
                      mb_s {best, mean}, ratio (float, encode only, else null),
                      heap_peak (int: tracemalloc peak of a separate run),
                      declared_window (int: the reference window the sigmalang
                      streams declare; null for whole),
                      trace {t_s [float], rss [int], work_start_s, work_end_s}}]
    fits            [{engine, mode, metric ("peak_rss" | "growth_rss"), x, y,
                      a, b, r2, n}]  # y = a * x**b, x in MiB; a/b/r2 null if skipped
    checks          [{engine, mode, what ("peak" | "exponent"), name, ok (bool,
                      or null when not checked), value, limit, shown, detail}]
    charts          {files [str], skipped (str reason or null)}

bench JSON (schema_version 1)::

    schema_version, kind ("sigmalang.bench"), created, machine   as above
    settings        {runs, budget_s, threads, threads_resolved, cap_bytes,
                     lzma_cap_bytes, typesize, sigmalang_levels, memory, speed}
    inputs          [{name, path, bytes, numeric, results [result]}]
    result          {name, family, level (int or null), threads, input_bytes
                     (bytes measured: less than the input when capped), capped,
                     compressed_bytes, ratio, compress_mb_s {best, mean},
                     decompress_mb_s {best, mean}, runs {compress, decompress}
                     (runs done: fewer than asked once the budget is spent),
                     compress_peak_bytes, decompress_peak_bytes (int or null),
                     note, pareto (bool: on the ratio/compress-speed frontier)}
    skipped         [{name, reason}]  # peers not installed or not applicable
    charts          {files [str], skipped}
"""

from __future__ import annotations

from typing import Any

PROFILE_SCHEMA_VERSION = 2
BENCH_SCHEMA_VERSION = 1

_NUM = (int, float)
_OPT_NUM = (int, float, type(None))

PROFILE_TOP = {"schema_version": int, "kind": str, "created": str, "machine": dict, "settings": dict,
               "points": list, "fits": list, "checks": list, "charts": dict}
PROFILE_SETTINGS = {"sizes_bytes": list, "runs": int, "modes": list, "threads": int, "level": int, "data": str}
PROFILE_POINT = {"engine": str, "mode": str, "size_bytes": int, "runs": list, "peak_rss": dict, "growth_rss": dict,
                 "wall_s": dict, "mb_s": dict, "heap_peak": _OPT_NUM, "trace": dict}
PROFILE_RUN = {"wall_s": _NUM, "mb_s": _NUM, "peak_rss": int, "idle_rss": int, "growth_rss": int,
               "sampled_peak_rss": int, "output_bytes": int}
SUMMARY = {"n": int, "mean": _NUM, "stdev": _NUM, "cv": _NUM, "min": _NUM, "max": _NUM}
FIT = {"engine": str, "mode": str, "metric": str, "a": _OPT_NUM, "b": _OPT_NUM, "r2": _OPT_NUM, "n": int}

BENCH_TOP = {"schema_version": int, "kind": str, "created": str, "machine": dict, "settings": dict,
             "inputs": list, "skipped": list, "charts": dict}
BENCH_INPUT = {"name": str, "bytes": int, "results": list}
BENCH_RESULT = {"name": str, "family": str, "level": (int, type(None)), "input_bytes": int, "capped": bool,
                "compressed_bytes": int, "ratio": _NUM, "compress_mb_s": dict, "decompress_mb_s": dict,
                "runs": dict, "compress_peak_bytes": _OPT_NUM, "decompress_peak_bytes": _OPT_NUM, "note": str,
                "pareto": bool}


def _check(obj: Any, spec: dict[str, Any], where: str, problems: list[str]) -> None:
    if not isinstance(obj, dict):
        problems.append(f"{where}: expected an object, got {type(obj).__name__}")
        return
    for key, types in spec.items():
        if key not in obj:
            problems.append(f"{where}: missing {key!r}")
        elif isinstance(obj[key], bool) and bool not in (types if isinstance(types, tuple) else (types,)):
            problems.append(f"{where}.{key}: expected {types}, got bool")
        elif not isinstance(obj[key], types):
            problems.append(f"{where}.{key}: expected {types}, got {type(obj[key]).__name__}")


def profile_problems(doc: Any) -> list[str]:
    """Every way ``doc`` departs from the profile.json schema (empty when it conforms)."""
    problems: list[str] = []
    _check(doc, PROFILE_TOP, "profile", problems)
    if problems:
        return problems
    if doc["schema_version"] != PROFILE_SCHEMA_VERSION:
        problems.append(f"profile.schema_version: expected {PROFILE_SCHEMA_VERSION}, got {doc['schema_version']}")
    _check(doc["settings"], PROFILE_SETTINGS, "settings", problems)
    for i, point in enumerate(doc["points"]):
        where = f"points[{i}]"
        _check(point, PROFILE_POINT, where, problems)
        if not isinstance(point, dict):
            continue
        for j, run in enumerate(point.get("runs", [])):
            _check(run, PROFILE_RUN, f"{where}.runs[{j}]", problems)
        for key in ("peak_rss", "growth_rss", "wall_s"):
            _check(point.get(key), SUMMARY, f"{where}.{key}", problems)
    for i, fit in enumerate(doc["fits"]):
        _check(fit, FIT, f"fits[{i}]", problems)
    return problems


def bench_problems(doc: Any) -> list[str]:
    """Every way ``doc`` departs from the bench JSON schema (empty when it conforms)."""
    problems: list[str] = []
    _check(doc, BENCH_TOP, "bench", problems)
    if problems:
        return problems
    if doc["schema_version"] != BENCH_SCHEMA_VERSION:
        problems.append(f"bench.schema_version: expected {BENCH_SCHEMA_VERSION}, got {doc['schema_version']}")
    for i, item in enumerate(doc["inputs"]):
        _check(item, BENCH_INPUT, f"inputs[{i}]", problems)
        if isinstance(item, dict):
            for j, result in enumerate(item.get("results", [])):
                _check(result, BENCH_RESULT, f"inputs[{i}].results[{j}]", problems)
    return problems
