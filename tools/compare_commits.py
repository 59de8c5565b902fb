"""Speed of two source trees of sigmalang side by side, in turns, each run in a fresh process.

A change that must not cost speed (a restructuring) is timed against the
commit before it on the same files in the same run:

    git worktree add /tmp/sigmalang-old <old commit>
    python tools/compare_commits.py --old /tmp/sigmalang-old/src --new src FILE...
    python tools/compare_commits.py --old ... --new ... --no-refs FILE...   # both without REFERENCE copies

For each file and round (the order of the two trees alternates from round to
round) a fresh interpreter imports one tree and times, best of ``--repeat``:
``compress(data, threads=2)``, then ``decompress`` of its output with two
threads and with one. Each tree keeps its best time over the rounds; the
table gives MB/s (10**6 raw bytes a second) and new / old. ``--no-refs``
passes ``references=False`` where the tree knows the keyword (trees from
before references existed never wrote copies at their default level).
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys

#: Run in the child: import the tree given first, time the three calls on the file given second.
CHILD = """
import sys, time
tree, path, repeat, no_refs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
sys.path.insert(0, tree)
import sigmalang
data = open(path, "rb").read()
options = {"references": False} if no_refs and "references" in sigmalang.compress.__code__.co_varnames else {}

def best(call):
    fastest, out = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        out = call()
        fastest = min(fastest, time.perf_counter() - started)
    return fastest, out

times = {}
times["encode"], blob = best(lambda: sigmalang.compress(data, threads=2, **options))
for threads in (2, 1):
    times[f"decode T{threads}"], out = best(lambda: sigmalang.decompress(blob, threads=threads))
    assert out == data
print(repr(times))
"""

MEASURES = ("encode", "decode T2", "decode T1")


def run_once(tree: str, path: str, repeat: int, no_refs: bool) -> dict[str, float]:
    """One fresh interpreter's best times for one tree and one file."""
    command = [sys.executable, "-c", CHILD, tree, path, str(repeat), "1" if no_refs else "0"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return ast.literal_eval(out)


def compare(old: str, new: str, path: str, rounds: int, repeat: int, no_refs: bool) -> list[str]:
    """Rows of the table for one file: the two trees in turns, best over the rounds."""
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    trees = [("old", old), ("new", new)]
    for round_ in range(rounds):
        for name, tree in trees if round_ % 2 == 0 else trees[::-1]:
            for measure, seconds in run_once(tree, path, repeat, no_refs).items():
                best[name][measure] = min(seconds, best[name].get(measure, float("inf")))
    megabytes = os.path.getsize(path) / 1e6
    return [
        f"{os.path.basename(path):16} {measure:9}  old {megabytes / best['old'][measure]:7.0f} MB/s"
        f"  new {megabytes / best['new'][measure]:7.0f} MB/s  new/old {best['old'][measure] / best['new'][measure]:.3f}"
        for measure in MEASURES
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="the old tree's import root (its src/ folder)")
    parser.add_argument("--new", required=True, help="the new tree's import root")
    parser.add_argument("--rounds", type=int, default=6, help="fresh-process rounds per tree and file (default 6)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per process, best kept (default 3)")
    parser.add_argument("--no-refs", action="store_true", help="encode without REFERENCE copies in both trees")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    for path in args.files:
        for row in compare(args.old, args.new, path, args.rounds, args.repeat, args.no_refs):
            print(row, flush=True)


if __name__ == "__main__":
    main()
