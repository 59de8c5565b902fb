"""sigmalang against zstd per kind of data and on the mixed stream: ratio, speed
both ways, and every ratio and speed target the project has set itself.

    python benchmarks/adaptive.py --scale 1 --runs 3 --repeat 3 --readme README.md
    python benchmarks/adaptive.py --scale 0.05 --runs 1 --repeat 1     # a quick look

The corpus comes from benchmarks/adaptive_corpus.py (real files of this machine,
seeded numeric series, versioned copies of a source tree with sparse and with
dense edits; built when missing). For every kind and for the mixed stream (all
kinds concatenated) it measures sigmalang at its default settings (level 3,
--threads threads), levels 1 and 9, and level 3 with the ``VARIANTS`` below;
python-zstandard levels 1, 3 and 9 and -3 with long-distance matching over a
128 MiB window (``--long=27``), all encoding with --threads threads. sigmalang
decodes with --threads threads, and the default also with one; zstd decodes on
one thread (it cannot do otherwise). The codecs take turns, round after round
(--runs rounds), each keeping its best time; MB/s are 10**6 raw bytes a second.

--repeat N does the whole measurement N times, each in a fresh process, and
checks every target in each: a target passes only when it holds in all N runs
(each run's value and the spread are printed). The table shows the best times
over all runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import zstandard

sys.path.insert(0, str(Path(__file__).parent))
import sigmalang  # noqa: E402
from _blocks import replace_block  # noqa: E402
from adaptive_corpus import KINDS, ensure  # noqa: E402
from adaptive_targets import Check, Verdict, check_run, markdown_targets, verdicts  # noqa: E402
from sigmalang.profile.timing import BestTimes, turns  # noqa: E402

MIB = 1 << 20
DEFAULT = "sigmalang -3"
#: sigmalang rows beside the default (which stores REFERENCE copies): name -> StreamingEncoder keyword arguments.
VARIANTS: dict[str, dict[str, object]] = {
    "sigmalang -1": {"level": 1},
    "sigmalang -9": {"level": 9},
    "sigmalang -3 --no-refs": {"references": False},
    "sigmalang -3, detector off": {"adaptive": False},
}
ZSTD_LEVELS = (1, 3, 9)
LONG = "zstd -3 --long=27"
Results = dict[str, dict[str, dict[str, float | None]]]  # kind -> codec -> row


@dataclass
class Codec:
    name: str
    encode: Callable[[bytes], bytes]
    decoders: Mapping[str, Callable[[bytes], bytes]]  # row key -> decoder


def codecs(threads: int) -> list[Codec]:
    """Every contestant, the default first."""
    def ours(**kwargs: object) -> Callable[[bytes], bytes]:
        return sigmalang.StreamingEncoder(threads=threads, **kwargs).compress  # type: ignore[arg-type]

    def sigmalang_decoder(n: int) -> Callable[[bytes], bytes]:
        return lambda blob: sigmalang.decompress(blob, threads=n)

    dctx = zstandard.ZstdDecompressor(max_window_size=1 << 27)
    decode_t1 = {"decode_t1_mb_s": dctx.decompress}
    long_params = zstandard.ZstdCompressionParameters.from_level(3, window_log=27, enable_ldm=True, threads=threads)
    out = [Codec(DEFAULT, ours(), {"decode_mb_s": sigmalang_decoder(threads), "decode_t1_mb_s": sigmalang_decoder(1)})]
    out += [Codec(name, ours(**kwargs), {"decode_mb_s": sigmalang_decoder(threads)}) for name, kwargs in VARIANTS.items()]
    out += [Codec(f"zstd -{level}", zstandard.ZstdCompressor(level=level, threads=threads).compress, decode_t1) for level in ZSTD_LEVELS]
    out.append(Codec(LONG, zstandard.ZstdCompressor(compression_params=long_params).compress, decode_t1))
    return out


def measure_kind(data: bytes, rounds: int, threads: int) -> dict[str, dict[str, float | None]]:
    """One row per codec: ratio, MB/s (best of ``rounds``, in turns) and CPU ms per MiB of encoding."""
    contestants = codecs(threads)
    times = BestTimes()
    packed: dict[str, int] = {}
    for codec in turns(contestants, rounds):
        blob = times.time(f"{codec.name} encode", lambda: codec.encode(data))
        packed[codec.name] = len(blob)
        for key, decode in codec.decoders.items():
            if times.time(f"{codec.name} {key}", lambda: decode(blob)) != data:
                raise AssertionError(f"{codec.name}: round trip failed")
    mb, mib = len(data) / 1e6, len(data) / MIB
    rows: dict[str, dict[str, float | None]] = {}
    for c in contestants:
        row: dict[str, float | None] = {"ratio": len(data) / packed[c.name], "encode_mb_s": mb / times.best[f"{c.name} encode"],
                                        "encode_cpu_ms_per_mib": times.best_cpu(f"{c.name} encode") * 1000 / mib,
                                        "decode_mb_s": None, "decode_t1_mb_s": None}
        row.update({key: mb / times.best[f"{c.name} {key}"] for key in c.decoders})
        rows[c.name] = row
    return rows


def warm_up(sample: bytes, threads: int) -> None:
    """Every codec once, untimed: what happens on a process's first call only (lazy
    imports, thread pools, the planner's measurements) must not fall on whichever
    codec runs first."""
    for codec in codecs(threads):
        blob = codec.encode(sample)
        for decode in codec.decoders.values():
            decode(blob)


#: Kinds whose reference cost is measured: text, where nothing repeats far back (the pure cost of
#: looking), dense versions, and the mixed stream.
COST_KINDS = ("text", "versioned-dense", "mixed")
REFS, NO_REFS = DEFAULT, "sigmalang -3 --no-refs"


def reference_cost(data: bytes, rounds: int, threads: int) -> dict[str, float]:
    """Encode CPU per MiB (all threads) that the default, with references, spends beyond --no-refs.

    Timed in a race of their own, the two alone in turns: within the big race each
    follows a different codec, whose left-overs (threads, freed memory) tilt a
    difference this small."""
    variants = {DEFAULT: {}, NO_REFS: {"references": False}}
    encoders = [(name, sigmalang.StreamingEncoder(threads=threads, **kwargs)) for name, kwargs in variants.items()]  # type: ignore[arg-type]
    times = BestTimes()
    for name, encoder in turns(encoders, max(rounds, 3)):
        times.time(name, lambda: encoder.compress(data))
    base = times.best_cpu(NO_REFS)
    return {DEFAULT: (times.best_cpu(DEFAULT) - base) * 1000 / (len(data) / MIB)}


def measure(corpus: Path, rounds: int, threads: int, run: int) -> Results:
    """One whole run: every kind, then the mixed stream."""
    with open(corpus / "mixed.bin", "rb") as f:
        warm_up(f.read(4 * MIB), threads)
    results: Results = {}
    for kind in [*KINDS, "mixed"]:
        data = (corpus / f"{kind}.bin").read_bytes()
        rows = results[kind] = measure_kind(data, rounds, threads)
        if kind in COST_KINDS and REFS in rows and NO_REFS in rows:
            for name, cost in reference_cost(data, rounds, threads).items():
                rows[name]["refs_cost_ms_per_mib"] = cost
        ours, zstd = rows[DEFAULT], rows["zstd -3"]
        print(f"run {run}: {kind:<16} {len(data) / MIB:6.1f} MiB  sigmalang -3 {ours['ratio']:.3f} at {ours['encode_mb_s']:.0f} MB/s, "
              f"zstd -3 {zstd['ratio']:.3f} at {zstd['encode_mb_s']:.0f} MB/s", flush=True)
    return results


def measure_runs(corpus: Path, rounds: int, threads: int, repeat: int) -> list[Results]:
    """``repeat`` independent runs; with more than one, each in a fresh process, so
    nothing one run set up or warmed (allocator, caches, the planner's measurements)
    carries over to the next."""
    if repeat == 1:
        return [measure(corpus, rounds, threads, 1)]
    out = []
    for run in range(1, repeat + 1):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            out.append(pool.submit(measure, corpus, rounds, threads, run).result())
    return out


def best_over(runs: list[Results]) -> Results:
    """Per codec and kind the fastest speeds and least CPU over all runs (ratios do not vary)."""
    merged: Results = json.loads(json.dumps(runs[0]))
    for results in runs[1:]:
        for kind, rows in results.items():
            for codec, row in rows.items():
                into = merged[kind][codec]
                for key, value in row.items():
                    if value is not None and into[key] is not None and not key.startswith("refs_cost"):
                        into[key] = min(into[key], value) if key.endswith("per_mib") else max(into[key], value)  # type: ignore[type-var]
    return merged


def markdown_results(results: Results, threads: int) -> list[str]:
    def speed(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    lines = [f"| data | codec | ratio | encode MB/s | decode MB/s, {threads} threads | decode MB/s, 1 thread |",
             "|---|---|---:|---:|---:|---:|"]
    for kind, rows in results.items():
        for codec, r in rows.items():
            lines.append(f"| {kind} | {codec} | {r['ratio']:.3f} | {speed(r['encode_mb_s'])} | {speed(r['decode_mb_s'])} "
                         f"| {speed(r['decode_t1_mb_s'])} |")
    return lines


def reference_costs(runs: list[Results]) -> str:
    """Encode CPU per MiB that looking up every chunk for REFERENCE copies adds (all
    threads), each run's figure: on text, where little repeats, the cost of finding copies."""
    costs = [f"{kind} " + " / ".join(f"{results[kind][REFS]['refs_cost_ms_per_mib']:+.2f}" for results in runs) + " ms"
             for kind in COST_KINDS if kind in runs[0] and "refs_cost_ms_per_mib" in runs[0][kind].get(REFS, {})]
    return f" Encode CPU per MiB of the default (references on) minus --no-refs, each run: {', '.join(costs)}." if costs else ""


def header(manifest: dict[str, object], args: argparse.Namespace, runs: list[Results]) -> str:
    return (
        f"Corpus: {int(manifest['mixed_bytes']) / MIB:.0f} MiB mixed (scale {args.scale}); sigmalang {sigmalang.__version__}, "  # type: ignore[call-overload]
        f"{args.threads} threads, best of {args.runs} rounds in turns, {args.repeat} independent run(s) "
        f"(targets must hold in each; the table shows the best of all), {os.cpu_count()} CPUs, "
        f"zstd {'.'.join(map(str, zstandard.ZSTD_VERSION))}, numpy {np.__version__}; command: "
        f"`python benchmarks/adaptive.py --scale {args.scale} --runs {args.runs} --repeat {args.repeat}`. "
        f"sigmalang -3 is the default; zstd rows encode with {args.threads} threads and decode with one."
        + reference_costs(runs)
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "sigmalang-corpus")
    parser.add_argument("--scale", type=float, default=0.5, help="corpus size factor when building it (default 0.5: 103 MiB)")
    parser.add_argument("--runs", type=int, default=2, help="rounds in turns per run; each codec keeps its best (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="independent runs; a target passes when it holds in all (default 3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--readme", type=Path, help="also replace the block between the adaptive.py markers in this file")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    if args.runs < 1 or args.repeat < 1 or args.threads < 1:
        parser.error("--runs, --repeat and --threads must be at least 1")
    return args


def main() -> int:
    args = parse_args()
    manifest = ensure(args.corpus, args.scale)
    runs = measure_runs(args.corpus, args.runs, args.threads, args.repeat)
    checks: list[list[Check]] = [check_run(results, DEFAULT, LONG, args.threads) for results in runs]
    judged: list[Verdict] = verdicts(checks)
    best = best_over(runs)
    table = [header(manifest, args, runs), "", *markdown_results(best, args.threads)]
    text = "\n".join([*table, "", *markdown_targets(judged, list(best), args.threads)]) + "\n"
    print("\n" + "\n".join(table) + "\n")
    for v in judged:
        print(v.line())
    if args.markdown:
        args.markdown.write_text(text)
    if args.readme:
        replace_block(args.readme, "benchmarks/adaptive.py", text)
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "best": best, "targets": [asdict(v) for v in judged]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
