"""Where the time goes: encoding and decoding each kind of the corpus, per MiB and per stage.

    python benchmarks/stages.py                        # writes its block into docs/PERFORMANCE.md
    python benchmarks/stages.py --scale 0.05 --seconds 1 --kinds text,mixed --no-write

Every kind of the adaptive corpus (benchmarks/adaptive_corpus.py) and the mixed
stream is encoded file to file (``StreamingEncoder.encode_file``: the workers
read the input by position, as the CLI does) and decoded file to file
(``StreamingDecoder.decode_file``), at the default settings with --threads
threads, over and over for --seconds in a child process of its own.

The profiler is py-spy (``pip install py-spy``): it samples every thread of
the child from outside, whether or not the thread holds the GIL, with native
frames (``--native``: zstd, xxhash, numpy, libc) and idle threads
(``--idle``), and adds nothing to each call. cProfile sees only the thread
that started it, charges every Python call its own overhead (inflating
per-chunk Python against zstd's C work, which it sees as one call) and cannot
look inside C; yappi sees every thread but has the same per-call overhead and
is as blind to C. A sampling profiler that reads native stacks is the one that
tells the truth about threads that spend their time in C without the GIL.

Each sample (one thread at one tick) goes to a stage by ``stage_map.STAGES``;
only samples taken while the work ran count (the main thread inside ``_work``,
and every other thread). Shares of time come from the profile; they are
scaled to the child's unprofiled best time per repetition (a separate run
without the profiler, since py-spy pauses the child at every sample). A cell
is thread-milliseconds per MiB of raw data: the time a thread spent in that
stage, running or ready to run (a sampler cannot tell a thread waiting for a
core from one on it, so on a machine with fewer cores than busy threads "busy"
exceeds the CPU time, printed beside it). A column sums to the wall time times
the threads alive (the workers and the main thread), waiting included; "busy"
is the sum without the waiting stages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import sigmalang  # noqa: E402
from _blocks import replace_block  # noqa: E402
from adaptive_corpus import KINDS, ensure  # noqa: E402
from sigmalang.profile.timing import BestTimes  # noqa: E402
from stage_map import OTHER, STAGE_NAMES, WAITING, classify  # noqa: E402

MIB = 1 << 20
ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
BLOCK = "benchmarks/stages.py"
WORK = "_work ("  # the child's work function, as py-spy names its frame
DEFAULT_KINDS = ",".join([*KINDS, "mixed"])


def _work(direction: str, src: str, dst: str, threads: int, seconds: float) -> dict[str, float]:
    """Encode or decode ``src`` into ``dst`` until ``seconds`` have passed (twice at least):
    the repetitions, their total time, and the best wall and CPU time of one."""
    coder = sigmalang.StreamingEncoder(threads=threads) if direction == "encode" else sigmalang.StreamingDecoder(threads)
    run = coder.encode_file if isinstance(coder, sigmalang.StreamingEncoder) else coder.decode_file
    times = BestTimes()
    while len(times.wall.get("run", [])) < 2 or sum(times.wall["run"]) < seconds:
        times.time("run", lambda: run(src, dst))
    return {"repeats": len(times.wall["run"]), "total_s": sum(times.wall["run"]), "best_s": times.best["run"],
            "best_cpu_s": times.best_cpu("run")}


def child(args: argparse.Namespace) -> int:
    print(json.dumps(_work(args.direction, args.src, args.dst, args.threads, args.seconds)))
    return 0


def run_child(args: argparse.Namespace, direction: str, src: Path, dst: Path, profile: Path | None) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", direction, "--src", str(src), "--dst", str(dst),
           "--threads", str(args.threads), "--seconds", str(args.seconds)]
    if profile is not None:
        cmd = [args.py_spy, "record", "--native", "--idle", "--threads", "--full-filenames", "--nolineno",
               "--rate", str(args.rate), "--format", "raw", "--output", str(profile), "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr.strip()}")
    report = [line for line in done.stdout.splitlines() if line.startswith("{")]  # py-spy prints lines of its own
    return json.loads(report[-1])  # type: ignore[no-any-return]


def read_samples(path: Path) -> tuple[Counter[str], Counter[str], int]:
    """Samples per stage taken while the work ran, the innermost frames of those
    counted as "other", and the main thread's samples in the work (the ticks)."""
    stages: Counter[str] = Counter()
    unmapped: Counter[str] = Counter()
    lines = [line.rstrip("\n").rsplit(" ", 1) for line in path.read_text().splitlines() if line.strip()]
    parsed = [(stack.split(";"), int(count)) for stack, count in lines]
    main = {frames[0].split(":")[0] for frames, _ in parsed if any(WORK in f for f in frames)}
    ticks = 0
    for frames, count in parsed:
        thread, body = frames[0].split(":")[0], frames[1:]
        if thread in main:
            if not any(WORK in f for f in body):
                continue  # start-up and imports, before the work
            ticks += count
        stage, frame = classify(body)
        stages[stage] += count
        if stage == OTHER:
            unmapped[frame] += count
    return stages, unmapped, ticks


def profile_one(args: argparse.Namespace, kind: str, direction: str, tmp: Path) -> dict[str, object]:
    raw, packed, out = args.corpus / f"{kind}.bin", tmp / f"{kind}.sgl", tmp / f"{kind}.out"
    src, dst = (raw, packed) if direction == "encode" else (packed, out)
    if direction == "decode":
        sigmalang.StreamingEncoder(threads=args.threads).encode_file(raw, packed)
    plain = run_child(args, direction, src, dst, None)
    profiled = run_child(args, direction, src, dst, tmp / "profile.txt")
    stages, unmapped, ticks = read_samples(tmp / "profile.txt")
    mib = raw.stat().st_size / MIB
    wall_ms_per_mib = plain["best_s"] * 1000 / mib
    per_mib = {s: stages[s] / ticks * wall_ms_per_mib if ticks else 0.0 for s in STAGE_NAMES}
    return {
        "kind": kind, "direction": direction, "mib": mib, "wall_ms_per_mib": wall_ms_per_mib,
        "cpu_ms_per_mib": plain["best_cpu_s"] * 1000 / mib, "stages_ms_per_mib": per_mib,
        "busy_ms_per_mib": sum(v for s, v in per_mib.items() if s not in WAITING), "samples": sum(stages.values()),
        "profiler_slowdown": (profiled["total_s"] / profiled["repeats"]) / (plain["total_s"] / plain["repeats"]),
        "other_frames": unmapped.most_common(8),
    }


def table(rows: list[dict[str, object]], direction: str) -> list[str]:
    mine = [r for r in rows if r["direction"] == direction]
    lines = [f"| {direction}, ms per MiB | " + " | ".join(str(r["kind"]) for r in mine) + " |", "|---|" + "---:|" * len(mine)]

    def line(name: str, values: list[float], bold: bool = False) -> str:
        cells = [f"{v:.2f}" for v in values]
        return f"| {'**' + name + '**' if bold else name} | " + " | ".join(cells) + " |"

    lines.append(line("wall (unprofiled best)", [float(r["wall_ms_per_mib"]) for r in mine], bold=True))  # type: ignore[arg-type]
    lines.append(line("CPU, all threads (unprofiled best)", [float(r["cpu_ms_per_mib"]) for r in mine], bold=True))  # type: ignore[arg-type]
    lines.append(line("busy (thread-ms, waits excluded)", [float(r["busy_ms_per_mib"]) for r in mine], bold=True))  # type: ignore[arg-type]
    for stage in STAGE_NAMES:
        lines.append(line(stage, [r["stages_ms_per_mib"][stage] for r in mine]))  # type: ignore[index]
    lines.append("| samples (profiler slowdown) | " + " | ".join(f"{r['samples']} ({r['profiler_slowdown']:.2f} x)" for r in mine) + " |")
    return lines


def markdown(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    kinds = "" if args.kinds == DEFAULT_KINDS else f" --kinds {args.kinds}"
    head = (f"Output of `python benchmarks/stages.py --scale {args.scale} --seconds {args.seconds:g} --rate {args.rate}"
            f"{kinds} --threads {args.threads}` "
            f"(sigmalang {sigmalang.__version__}, default settings, {args.threads} threads, file to file; corpus of "
            "`benchmarks/adaptive_corpus.py`). Thread-milliseconds per MiB of raw data in each stage, from py-spy samples "
            "of every thread with native frames, scaled to the unprofiled best time; the stages are the patterns of "
            "`benchmarks/stage_map.py`. A thread counts in a stage while running or ready to run there, so \"busy\" "
            "exceeds the CPU time when threads outnumber free cores; a column sums to the wall time times the threads "
            "alive (workers and main thread); the waiting stages (GIL, idle workers, ordering) are not in \"busy\".")
    return "\n".join([head, "", *table(rows, "encode"), "", *table(rows, "decode")]) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "sigmalang-corpus")
    parser.add_argument("--scale", type=float, default=0.5, help="corpus size factor when building it (default 0.5)")
    parser.add_argument("--kinds", default=DEFAULT_KINDS, help="comma-separated (default: every kind and mixed)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="work per child, encoding or decoding again and again (default 3)")
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second and thread (default 200)")
    parser.add_argument("--doc", type=Path, default=DOC, help="page whose stages block to rewrite (default docs/PERFORMANCE.md)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", choices=("encode", "decode"), dest="direction", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    parser.add_argument("--dst", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.direction:
        return child(args)
    args.py_spy = shutil.which("py-spy")
    if args.py_spy is None:
        raise SystemExit("py-spy is not installed: pip install py-spy (or pip install '.[bench]')")
    ensure(args.corpus, args.scale)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sigmalang-stages-") as tmp:
        for kind in args.kinds.split(","):
            for direction in ("encode", "decode"):
                row = profile_one(args, kind, direction, Path(tmp))
                print(f"{kind:<16} {direction}: {row['wall_ms_per_mib']:.2f} ms/MiB wall, {row['busy_ms_per_mib']:.2f} busy; "
                      f"unmapped frames: {row['other_frames'][:3]}", flush=True)
                rows.append(row)
    text = markdown(rows, args)
    print("\n" + text)
    if not args.no_write:
        replace_block(args.doc, BLOCK, text)
        print(f"wrote the {BLOCK} block of {args.doc}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
