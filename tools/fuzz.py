"""Structure-aware fuzzing of the decoders (docs/RELIABILITY.md gives the long run).

    python tools/fuzz.py --inputs 1000000 --workers 2          # a count budget
    python tools/fuzz.py --seconds 600                          # a time budget
    python tools/fuzz.py --replay 1:0:12345                     # one input again, verbosely

Mutants of valid streams of every feature (tools/fuzzing/seeds.py) change bytes,
fields found by parsing the glyphs (flags, varints, lengths, offsets,
checksums; then maybe repaired so they get past the first check) and whole
streams. Each is decoded by ``sigmalang.decompress``, a ``StreamingDecoder``
fed random splits, and ``sigmalang.open`` read after random seeks. Only
``FormatError`` subclasses naming an offset may be raised, output must be the
mutant's expected output, no decode may outlive ``--cap`` seconds, and each
worker runs under an address-space limit (``resource.setrlimit``) of its
memory after warming up plus ``--margin``. Input *i* of worker *w* is a
function of ``SEED:w:i`` alone, so any finding is replayed from its name.
Exit status: 0 without findings, 1 with.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzzing.mutate import mutant  # noqa: E402
from fuzzing.oracle import Finding, install_timer, judge  # noqa: E402
from fuzzing.seeds import seeds  # noqa: E402

REPORT_EVERY = 2.0  # seconds between a worker's progress messages


def input_rng(name: str) -> random.Random:
    return random.Random(name)


def run_one(name: str, cap: float) -> tuple[list[Finding], list[str], str]:
    """Build input ``name`` (SEED:WORKER:I), judge it; its findings, mutation steps and seed."""
    rng = input_rng(name)
    seed = rng.choice(seeds())
    m = mutant(rng, seed)
    return judge(m.blob, m.acceptable(), rng, cap, m.forged), m.steps, seed.name


def _limit_address_space(margin: int) -> int:
    """Cap this process's address space at its current size plus ``margin``."""
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + margin
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit


def _worker(args: argparse.Namespace, worker: int, count: int, deadline: float, current: "mp.sharedctypes.Synchronized[int]", queue: "mp.Queue[tuple]") -> None:
    install_timer()
    for i in range(20):  # warm up every path (threads, pools, zstd contexts) before the limit
        run_one(f"{args.seed}:warm:{i}", args.cap)
    queue.put(("limit", worker, _limit_address_space(args.margin << 20)))
    done, last = 0, time.monotonic()
    while done < count and time.monotonic() < deadline:
        current.value = done
        name = f"{args.seed}:{worker}:{done}"
        findings, steps, seed = run_one(name, args.cap)
        for f in findings:
            queue.put(("finding", name, seed, steps, f.path, f.kind, f.detail))
        done += 1
        if time.monotonic() - last > REPORT_EVERY:
            queue.put(("progress", worker, done))
            last = time.monotonic()
    queue.put(("done", worker, done))


def run(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + (args.seconds or float("inf"))
    counts = [args.inputs // args.workers + (w < args.inputs % args.workers) for w in range(args.workers)]
    queue: mp.Queue[tuple] = mp.Queue()
    currents = [mp.Value("q", 0) for _ in counts]
    procs = [mp.Process(target=_worker, args=(args, w, n, deadline, currents[w], queue), daemon=True) for w, n in enumerate(counts)]
    started = time.monotonic()
    for p in procs:
        p.start()
    done = [0] * len(procs)
    heard = [time.monotonic()] * len(procs)
    finished: set[int] = set()
    findings = 0
    while len(finished) < len(procs):
        try:
            message = queue.get(timeout=1.0)
        except Exception:  # queue.Empty: check for stalled workers
            message = None
        if message is not None:
            findings += _handle(message, done, heard, finished, args)
        for w, p in enumerate(procs):
            if w not in finished and (not p.is_alive() or time.monotonic() - heard[w] > args.stall):
                name = f"{args.seed}:{w}:{currents[w].value}"
                print(f"worker {w} stalled or died (exit {p.exitcode}) at input {name}", flush=True)
                p.kill()
                finished.add(w)
                findings += 1
    elapsed = time.monotonic() - started
    print(f"{sum(done)} inputs in {elapsed:.0f} s ({sum(done) / max(elapsed, 1e-9):.0f}/s) by {len(procs)} workers, "
          f"3 decoding paths each: {findings} findings", flush=True)
    return 1 if findings else 0


def _handle(message: tuple, done: list[int], heard: list[float], finished: set[int], args: argparse.Namespace) -> int:
    kind = message[0]
    if kind == "finding":
        name, seed, steps, path, what, detail = message[1:]
        print(f"FINDING {name} [{seed}] {path}: {what}\n  steps: {steps}\n  {detail.strip()[-1500:]}", flush=True)
        return 1
    worker = message[1]
    heard[worker] = time.monotonic()
    if kind == "limit":
        print(f"worker {worker}: address space limited to {message[2] >> 20} MiB", flush=True)
    elif kind in ("progress", "done"):
        done[worker] = message[2]
        if kind == "done":
            finished.add(worker)
        if not args.quiet:
            print(f"worker {worker}: {message[2]} inputs", flush=True)
    return 0


def replay(args: argparse.Namespace) -> int:
    install_timer()
    findings, steps, seed = run_one(args.replay, args.cap)
    print(f"{args.replay} [{seed}] steps: {steps}")
    for f in findings:
        print(f"{f.path}: {f.kind}\n{f.detail}")
    return 1 if findings else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", type=int, default=10_000, help="inputs in all (default 10000)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long, whatever the count")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    parser.add_argument("--seed", default="1", help="names the run: input i of worker w is SEED:w:i")
    parser.add_argument("--cap", type=float, default=5.0, help="seconds one path may take on one input (default 5)")
    parser.add_argument("--stall", type=float, default=120.0, help="seconds of silence after which a worker counts as hung")
    parser.add_argument("--margin", type=int, default=1024, help="MiB of address space allowed beyond a warmed-up worker's")
    parser.add_argument("--replay", metavar="SEED:W:I", help="run one input and print what it found")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings and the summary only")
    args = parser.parse_args(argv)
    return replay(args) if args.replay else run(args)


if __name__ == "__main__":
    sys.exit(main())
