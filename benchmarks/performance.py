"""Regenerate docs/PERFORMANCE.md: the one command behind every performance figure in the docs.

    python benchmarks/performance.py            # about 5 minutes on 2 cores

Runs, with fixed settings, exactly the commands listed in the page it writes:
``sigmalang profile`` (defaults), ``sigmalang bench`` on the built-in mixed and
numeric samples, and ``benchmarks/pool.py``; then writes the tables, headline
figures and charts (docs/img/*.png, when matplotlib is installed).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
import pool as pool_bench  # noqa: E402
from _blocks import read_block, wrap  # noqa: E402
from sigmalang.bench.cli_tool import zstd_path, zstd_version  # noqa: E402
from sigmalang.cli import bench_cmd, profile_cmd  # noqa: E402
from sigmalang.profile.machine import machine_info, now_utc  # noqa: E402
from sigmalang.profile.targets import check_line  # noqa: E402

DOC = ROOT / "docs" / "PERFORMANCE.md"
#: The block benchmarks/stages.py writes into the page: kept as it is when the rest is regenerated.
STAGES_BLOCK = "benchmarks/stages.py"
IMG = ROOT / "docs" / "img"
MIB = 1 << 20

PROFILE_ARGS = ["--runs", "3", "--mode", "both"]  # default sizes 1,4,16,64,256 MiB, level 3, all cores, mixed data
BENCH_RUNS = ["--runs", "3", "--size", "32"]
POOL_SIZE_MIB, POOL_RUNS = 256, 3


def _profile_md(doc: dict) -> list[str]:
    lines = ["| engine | mode | size MiB | peak RSS MiB mean ± stdev (CV) | growth MiB | heap MiB | MB/s best | MB/s mean | ratio |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for p in doc["points"]:
        pk = p["peak_rss"]
        lines.append(
            f"| {p['engine']} | {p['mode']} | {p['size_bytes'] / MIB:g} | {pk['mean'] / MIB:.1f} ± {pk['stdev'] / MIB:.1f} ({pk['cv']:.1%}) "
            f"| {p['growth_rss']['mean'] / MIB:.1f} | {p['heap_peak'] / MIB:.1f} | {p['mb_s']['best']:.0f} | {p['mb_s']['mean']:.0f} "
            f"| {'-' if p['ratio'] is None else format(p['ratio'], '.3f')} |"
        )
    lines += ["", "| engine | mode | fitted to | b | a (MiB) | R² |", "|---|---|---|---:|---:|---:|"]
    for f in doc["fits"]:
        if f["b"] is not None:
            what = "peak RSS" if f["metric"] == "peak_rss" else "growth over idle"
            lines.append(f"| {f['engine']} | {f['mode']} | {what} | {f['b']:.3f} | {f['a'] / MIB:.2f} | {f['r2']:.3f} |")
    return lines


def _bench_md(doc: dict) -> list[str]:
    lines = []
    for item in doc["inputs"]:
        lines += [f"**{item['name']}** ({item['bytes']:,} bytes)", "",
                  "| compressor | ratio | compress MB/s best (mean) | decompress MB/s best (mean) | compress peak MiB | decompress peak MiB | runs | note |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
        for r in item["results"]:
            peak = ["-" if v is None else f"{v / MIB:.1f}" for v in (r["compress_peak_bytes"], r["decompress_peak_bytes"])]
            lines.append(
                f"| {'**' + r['name'] + '**' if r['pareto'] else r['name']} | {r['ratio']:.3f} "
                f"| {r['compress_mb_s']['best']:.1f} ({r['compress_mb_s']['mean']:.1f}) "
                f"| {r['decompress_mb_s']['best']:.0f} ({r['decompress_mb_s']['mean']:.0f}) | {peak[0]} | {peak[1]} "
                f"| {r['runs']['compress']}/{r['runs']['decompress']} | {r['note']} |"
            )
        lines.append("")
    for s in doc["skipped"]:
        lines.append(f"- not measured: {s['name']}: {s['reason']}")
    return lines


def _point(doc: dict, engine: str, mode: str, size: int) -> dict:
    return next(p for p in doc["points"] if (p["engine"], p["mode"], p["size_bytes"]) == (engine, mode, size))


def _fit(doc: dict, engine: str, mode: str, metric: str) -> dict:
    return next(f for f in doc["fits"] if (f["engine"], f["mode"], f["metric"]) == (engine, mode, metric))


def _row(doc: dict, name: str) -> dict | None:
    return next((r for r in doc["inputs"][0]["results"] if r["name"] == name), None)


def headlines(profile: dict, bench: dict) -> list[str]:
    largest = max(p["size_bytes"] for p in profile["points"])
    smallest = min(p["size_bytes"] for p in profile["points"])
    ours = [e for e in profile["settings"]["engines"] if e != "whole"]
    out = []
    for mode in profile["settings"]["modes"]:
        w_big, fw = _point(profile, "whole", mode, largest), _fit(profile, "whole", mode, "peak_rss")
        parts = []
        for engine in ours:
            big, small, fit = _point(profile, engine, mode, largest), _point(profile, engine, mode, smallest), _fit(profile, engine, mode, "peak_rss")
            parts.append(f"{engine} peaks at {big['peak_rss']['mean'] / MIB:.0f} MiB RSS ({small['peak_rss']['mean'] / MIB:.0f} MiB at "
                         f"{smallest / MIB:g} MiB), b = {fit['b']:.2f}, {big['mb_s']['best']:.0f} MB/s")
        out.append(
            f"- **{mode}, {largest / MIB:g} MiB**: " + "; ".join(parts) + f"; zstd on the whole buffer {w_big['peak_rss']['mean'] / MIB:.0f} MiB, "
            f"b = {fw['b']:.2f}, {w_big['mb_s']['best']:.0f} MB/s (b: fitted growth exponent of peak RSS over "
            f"{smallest / MIB:g}-{largest / MIB:g} MiB; MB/s: best run)."
        )
    threads = bench["settings"]["threads_resolved"]
    mine, peer = _row(bench, f"sigmalang -3 T{threads}"), _row(bench, f"zstandard -3 T{threads}")
    if mine and peer:
        out.append(
            f"- **level 3, {bench['inputs'][0]['name']}**: sigmalang ratio {mine['ratio']:.3f}, compress "
            f"{mine['compress_mb_s']['best']:.0f} MB/s, decompress {mine['decompress_mb_s']['best']:.0f} MB/s; python-zstandard "
            f"(threads={threads}) {peer['ratio']:.3f}, {peer['compress_mb_s']['best']:.0f} MB/s, {peer['decompress_mb_s']['best']:.0f} MB/s."
        )
    return out


def _stages_md() -> list[str]:
    """The section benchmarks/stages.py writes, carried over from the page as it is."""
    kept = read_block(DOC, STAGES_BLOCK) or "Not measured yet: run `python benchmarks/stages.py`."
    return ["## Where the time goes (`benchmarks/stages.py`)", "",
            "Written by its own command (it needs py-spy), and kept as it is when the rest of this page is regenerated.",
            "", wrap(STAGES_BLOCK, kept), ""]


def _copy_charts(files: list[str], prefix: str) -> list[str]:
    IMG.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        target = IMG / f"{prefix}{Path(f).name}"
        if Path(f).resolve() != target.resolve():
            shutil.copyfile(f, target)
        out.append(str(target.relative_to(DOC.parent)))
    return out


def main() -> int:
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="sigmalang-performance-") as tmp:
        out = Path(tmp)
        commands = {
            "profile": ["sigmalang", "profile", *PROFILE_ARGS, "--out", "OUT"],
            "bench_mixed": ["sigmalang", "bench", *BENCH_RUNS, "--json", "OUT/bench-mixed.json", "--plot", "docs/img/bench-mixed.png"],
            "bench_numeric": ["sigmalang", "bench", "--data", "numeric", *BENCH_RUNS, "--json", "OUT/bench-numeric.json",
                              "--plot", "docs/img/bench-numeric.png"],
            "pool": ["python", "benchmarks/pool.py", "--size", str(POOL_SIZE_MIB), "--runs", str(POOL_RUNS)],
        }
        profile_cmd.main([*PROFILE_ARGS, "--out", str(out / "profile"), "-q"])
        profile = json.loads((out / "profile" / "profile.json").read_text())
        IMG.mkdir(parents=True, exist_ok=True)
        bench_cmd.main([*BENCH_RUNS, "--json", str(out / "bench-mixed.json"), "--plot", str(IMG / "bench-mixed.png"), "-q"])
        bench = json.loads((out / "bench-mixed.json").read_text())
        bench_cmd.main(["--data", "numeric", *BENCH_RUNS, "--json", str(out / "bench-numeric.json"),
                        "--plot", str(IMG / "bench-numeric.png"), "-q"])
        numeric = json.loads((out / "bench-numeric.json").read_text())
        pool = pool_bench.run(POOL_SIZE_MIB * MIB, POOL_RUNS, progress=lambda m: print(m, file=sys.stderr))
        profile_charts = _copy_charts(profile["charts"]["files"], "profile-")
    bench_charts = [str(Path(f).relative_to(DOC.parent)) for d in (bench, numeric) for f in d["charts"]["files"]]
    machine = machine_info()
    zstd = zstd_path()
    zstd_cli = zstd_version(zstd) if zstd else "not on PATH"
    elapsed = time.time() - started
    md = [
        "# Performance",
        "",
        "Written by `python benchmarks/performance.py`; do not edit by hand. Every figure below was measured",
        "in that run; none is estimated. Re-run the command to regenerate this page and its charts.",
        "",
        f"Measured {now_utc()} on {machine['cpu_count']} CPUs ({machine['cpu_model']}), {machine['platform']}; "
        f"Python {machine['python']}, sigmalang {machine['sigmalang']}, python-zstandard {machine['zstandard']} "
        f"(zstd library {machine['zstd_library']}), zstd CLI: {zstd_cli}. The whole run took {elapsed / 60:.1f} minutes. "
        "The machine is shared, so times are noisy: best and mean are both given.",
        "",
        "## Headline figures",
        "",
        *headlines(profile, bench),
        "",
        "## Commands",
        "",
        "```console",
        *(" ".join(c) for c in commands.values()),
        "```",
        "",
        "(`OUT` is a temporary directory; the charts are copied into `docs/img/`.)",
        "",
        "## Memory and speed over input size (`sigmalang profile`)",
        "",
        f"Data: {profile['settings']['data_description']}. Level {profile['settings']['level']}, "
        f"{profile['settings']['threads_resolved']} threads, {profile['settings']['runs']} runs per point, each in a fresh process.",
        "",
        *(f"- {engine}: {description}." for engine, description in profile["settings"]["engines"].items()),
        "- **peak RSS**: the child's own peak resident memory (Linux VmHWM; `ru_maxrss` is not used because it also counts "
        "the parent's memory at fork). **growth**: peak minus the child's RSS just before the work (interpreter, imports "
        "and the 10 MiB input cycle are excluded). **heap**: tracemalloc peak of the work in a separate, untimed run. "
        "RSS over time was sampled by the parent every 10 ms.",
        "- MB/s are 10^6 raw bytes per second of the work's wall time, measured inside the child.",
        "- The ratio column is not a compression benchmark: the profile's input repeats every 10 MiB (only the 8-byte "
        "stamps differ), so a coder that keeps context across more than 10 MiB sees the repeats. Ratios on data that "
        "does not repeat are in the `sigmalang bench` tables below.",
        "- The fit is y = a * size^b, least squares on log-log axes, over all sizes. File to file, sigmalang's chunk "
        "size grows with the input up to 4 MiB (reached at 16 MiB), so its memory rises over the small sizes and is "
        "flat after; through a pipe the size is unknown and chunks are 4 MiB from the start. R² says little for a "
        "flat series. The targets (checked below the tables) are at 1 GiB and over 64 MiB..1 GiB: "
        "`sigmalang profile --sizes 64,256,1024` checks them.",
        "",
        *_profile_md(profile),
        "",
        *(f"- {check_line(check)}" for check in profile["checks"]),
        "",
        *(f"![{Path(c).stem}]({c})" for c in profile_charts),
        *([] if profile_charts else [f"Charts skipped: {profile['charts']['skipped']}"]),
        "",
        "## Against other compressors (`sigmalang bench`)",
        "",
        f"Best and mean of up to {bench['settings']['runs']} runs (a measurement stops repeating after "
        f"{bench['settings']['budget_s']:g} s). Each codec runs in its own child process; **peak** is {bench['settings']['memory']}. "
        f"Slow codecs (level 19, lzma) are measured on the first {bench['settings']['cap_bytes'] / MIB:g} MiB only. "
        "**Bold**: on the Pareto frontier of ratio vs compress speed (among rows measured on the whole input).",
        "",
        *_bench_md(bench),
        "",
        *_bench_md(numeric),
        "",
        *(f"![{Path(c).stem}]({c})" for c in bench_charts),
        "",
        *_stages_md(),
        "## Buffer pool (`benchmarks/pool.py`)",
        "",
        f"{pool['size_bytes'] / MIB:g} MiB through the encoder's loop, {pool['runs']} runs per configuration. "
        "See the docstring of `benchmarks/pool.py` for the scenarios.",
        "",
        pool_bench.markdown(pool),
        "",
        *(f"- {line}" for line in pool_bench.verdict(pool)),
        "",
    ]
    DOC.write_text("\n".join(md))
    print(f"wrote {DOC} in {elapsed / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
