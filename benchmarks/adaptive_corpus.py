"""Build the adaptive-compression corpus from real material found on any Linux
machine with Python, plus seeded numeric series and versioned copies of a
source tree (sparse edits: 20 per version; dense: one every ~10 KB).

    python benchmarks/adaptive_corpus.py --out /tmp/sgl-corpus [--scale 1.0]

Each kind is one file in --out (``<kind>.bin``) and ``mixed.bin`` is their
concatenation in a fixed order; ``manifest.json`` says where every byte came
from. Building is deterministic for a given machine's files and --scale.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sysconfig
from pathlib import Path
from typing import Iterable

import numpy as np

MIB = 1 << 20


def _take(paths: Iterable[Path], budget: int, sources: list[str]) -> bytes:
    """Concatenate whole files in order until ``budget`` bytes."""
    out: list[bytes] = []
    size = 0
    for path in paths:
        try:
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if not data:
            continue
        out.append(data)
        sources.append(str(path))
        size += len(data)
        if size >= budget:
            break
    return b"".join(out)[:budget]


def stdlib_sources(budget: int, sources: list[str]) -> bytes:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    return _take(files, budget, sources)


def csv_data(budget: int, sources: list[str]) -> bytes:
    roots = [Path(p) for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}]
    files = sorted(f for r in roots for f in r.rglob("*.csv"))
    data = _take(files, budget, sources)
    if len(data) < budget // 4:  # too little real CSV here: say so in the manifest
        sources.append("(generated CSV appended: not enough CSV files on this machine)")
        from sigmalang.corpus import csv_table

        data += csv_table(budget - len(data))
    return data


def json_data(budget: int, sources: list[str]) -> bytes:
    """NDJSON records of three real kinds, a third of the budget each: the Python
    documentation topics shipped with CPython (one record per paragraph, each once),
    an index of the standard library's functions and classes (from its syntax trees),
    and a listing of the files under /usr (as ``find -printf`` would give). Each
    record appears once: recurring records are what the versioned kinds measure."""
    parts = [_topic_records, _code_index_records, _file_listing_records]
    out: list[bytes] = []
    for i, make in enumerate(parts):
        share = (budget - sum(len(p) for p in out)) // (len(parts) - i)
        out.append(_lines(make(sources), share))
    return b"".join(out)[:budget]


def _lines(records: Iterable[dict[str, object]], budget: int) -> bytes:
    lines: list[bytes] = []
    size = 0
    for record in records:
        if size >= budget:
            break
        line = json.dumps(record).encode() + b"\n"
        lines.append(line)
        size += len(line)
    return b"".join(lines)


def _topic_records(sources: list[str]) -> Iterable[dict[str, object]]:
    import pydoc_data.topics as topics

    sources.append("pydoc_data.topics (NDJSON, a record per paragraph)")
    for name, text in sorted(topics.topics.items()):
        for j, paragraph in enumerate(text.split("\n\n")):
            yield {"topic": name, "paragraph": j, "words": len(paragraph.split()), "text": paragraph}


def _code_index_records(sources: list[str]) -> Iterable[dict[str, object]]:
    import ast

    root = Path(sysconfig.get_paths()["stdlib"])
    sources.append("index of the functions and classes of the standard library (NDJSON)")
    for path in sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                args = node.args.args if not isinstance(node, ast.ClassDef) else []
                yield {
                    "file": str(path.relative_to(root)), "kind": type(node).__name__, "name": node.name,
                    "line": node.lineno, "end_line": node.end_lineno, "args": [a.arg for a in args],
                    "decorators": [ast.unparse(d) for d in node.decorator_list],
                    "doc": (ast.get_docstring(node) or "").split("\n\n")[0],
                }


def _file_listing_records(sources: list[str]) -> Iterable[dict[str, object]]:
    sources.append("listing of the files under /usr (NDJSON, one record per file)")
    for top in ("/usr/lib", "/usr/share", "/usr/bin", "/usr/include"):
        for folder, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(folder, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                yield {"path": path, "size": st.st_size, "mode": oct(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                       "mtime": st.st_mtime, "inode": st.st_ino, "links": st.st_nlink}


def binaries(budget: int, sources: list[str]) -> bytes:
    folders = [Path("/usr/bin"), Path("/usr/lib/x86_64-linux-gnu"), Path("/usr/lib/aarch64-linux-gnu"), Path("/usr/lib")]
    files = sorted(
        p for folder in folders if folder.is_dir() for p in folder.iterdir()
        if p.is_file() and not p.is_symlink() and p.stat().st_size > 16 * 1024 and _is_elf(p)
    )
    return _take(files, budget, sources)


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def compressed(budget: int, sources: list[str]) -> bytes:
    candidates = sorted(Path("/usr/share/doc").rglob("*.gz")) if Path("/usr/share/doc").is_dir() else []
    purelib = Path(sysconfig.get_paths()["purelib"])
    candidates += sorted(purelib.rglob("*.png")) + sorted(purelib.rglob("*.whl"))
    data = _take(candidates, budget, sources)
    if len(data) < budget:
        sources.append("(gzip of standard-library sources appended: not enough compressed files here)")
        data += gzip.compress(stdlib_sources(budget * 4, []), 6)[: budget - len(data)]
    return data


def int_counters(budget: int, sources: list[str]) -> bytes:
    sources.append("int32 counters, steps 0..49, numpy seed 11")
    steps = np.random.default_rng(11).integers(0, 50, budget // 4, dtype=np.int64)
    return np.cumsum(steps).astype("<i4").tobytes()


def float_series(budget: int, sources: list[str]) -> bytes:
    sources.append("float64 random walks quantised to 3 decimals, 8 columns interleaved row-wise, numpy seed 12")
    rng = np.random.default_rng(12)
    walk = np.cumsum(rng.normal(0, 0.5, (budget // 64, 8)), axis=0)
    return np.round(walk, 3).astype("<f8").tobytes()


def versioned_copies(budget: int, sources: list[str], edits: int = 20) -> bytes:
    """A ~4 MiB tree of real files, then copies of it, each with ``edits`` small random
    edits (they accumulate from version to version)."""
    base = stdlib_sources(4 * MIB, [])
    rng = random.Random(13)
    sources.append(f"{len(base)} bytes of standard-library sources, copied with {edits} random small edits per version")
    versions: list[bytes] = []
    current = bytearray(base)
    size = 0
    while size < budget:
        for _ in range(edits):
            at = rng.randrange(len(current))
            current[at : at + rng.randrange(0, 40)] = rng.randbytes(rng.randrange(0, 40))
        versions.append(bytes(current))
        size += len(current)
    return b"".join(versions)[:budget]


#: Edits per version of the ~4 MiB tree for dense versions: about one every 10 KB. A copy
#: found by whole content-defined blocks of a few KiB then misses much of what repeats;
#: matches extended byte by byte do not.
DENSE_EDITS = 420


def dense_versions(budget: int, sources: list[str]) -> bytes:
    return versioned_copies(budget, sources, DENSE_EDITS)


KINDS = {
    "text": stdlib_sources,
    "csv": csv_data,
    "json": json_data,
    "binary": binaries,
    "compressed": compressed,
    "int": int_counters,
    "float": float_series,
    "versioned-sparse": versioned_copies,
    "versioned-dense": dense_versions,
}
#: MiB of each kind at --scale 1.
SIZES = {"text": 40, "csv": 10, "json": 20, "binary": 40, "compressed": 16, "int": 8, "float": 8, "versioned-sparse": 32,
         "versioned-dense": 32}
#: Bumped whenever a kind is added or built differently, so a stale corpus is rebuilt.
CORPUS_VERSION = 3


def build(out: Path, scale: float = 1.0) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, object] = {"scale": scale, "version": CORPUS_VERSION, "kinds": {}}
    mixed: list[bytes] = []
    for kind, make in KINDS.items():
        sources: list[str] = []
        data = make(int(SIZES[kind] * scale * MIB), sources)
        (out / f"{kind}.bin").write_bytes(data)
        mixed.append(data)
        manifest["kinds"][kind] = {"bytes": len(data), "sources": sources[:50], "source_count": len(sources)}  # type: ignore[index]
    (out / "mixed.bin").write_bytes(b"".join(mixed))
    manifest["mixed_bytes"] = sum(len(m) for m in mixed)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def ensure(out: Path, scale: float) -> dict[str, object]:
    """The manifest of the corpus in ``out``, built first unless it is there at this
    scale and version."""
    path = out / "manifest.json"
    if path.exists():
        manifest = json.loads(path.read_text())
        if manifest.get("scale") == scale and manifest.get("version") == CORPUS_VERSION:
            return manifest  # type: ignore[no-any-return]
    return build(out, scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "sigmalang-corpus")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every kind's size (default 1: 206 MiB)")
    args = parser.parse_args()
    manifest = build(args.out, args.scale)
    for kind, info in manifest["kinds"].items():  # type: ignore[union-attr]
        print(f"{kind:<16} {info['bytes']:>12,} bytes from {info['source_count']} sources")
    print(f"{'mixed':<16} {manifest['mixed_bytes']:>12,} bytes -> {args.out}")


if __name__ == "__main__":
    main()
