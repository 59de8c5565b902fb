"""The targets ``benchmarks/adaptive.py`` checks, each against a peer measured in
the same run, and how a target reads over several independent runs: it passes
only when it holds in every one of them.

Every kind and the mixed stream, at the default settings: encode >= 0.9 x
zstd -3 with the same threads; decode with those threads >= 1.5 x zstd on one
thread and with one thread >= 0.9 x it; ratio >= 0.99 x zstd -3. Then the
targets of particular kinds, and the moonshot (printed as such until met).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

#: A target holds when it holds in this many independent runs (``--repeat``).
RUNS_TO_PASS = 3
Row = Mapping[str, float | None]
Results = Mapping[str, Mapping[str, Row]]


@dataclass(frozen=True)
class Check:
    """One target in one run."""

    name: str
    value: float
    ok: bool
    shown: str
    moonshot: bool = False


@dataclass(frozen=True)
class Verdict:
    """One target over every run."""

    name: str
    values: list[float]
    shown: list[str]
    ok: bool
    spread: str
    moonshot: bool

    @property
    def result(self) -> str:
        if self.moonshot:
            return "moonshot met" if self.ok else "moonshot, not met"
        if not self.ok:
            return "FAIL"
        return "pass" if len(self.values) >= RUNS_TO_PASS else f"pass in {len(self.values)} of {RUNS_TO_PASS} runs"

    def line(self) -> str:
        return f"{self.result.upper():<22} {self.name}: {' | '.join(self.shown)} ({self.spread})"


def at_least(name: str, value: float, limit: float, fmt: str = "{:.3f} x") -> Check:
    return Check(name, value, value >= limit, fmt.format(value))


def at_most(name: str, value: float, limit: float, fmt: str) -> Check:
    return Check(name, value, value <= limit, fmt.format(value))


def kind_targets(threads: int) -> list[tuple[str, str, str, float]]:
    """(label, our row key, zstd -3's row key, least ratio of ours to zstd's) for every kind."""
    return [
        (f"encode >= 0.9 x zstd -3 T{threads}", "encode_mb_s", "encode_mb_s", 0.9),
        (f"decode T{threads} >= 1.5 x zstd T1", "decode_mb_s", "decode_t1_mb_s", 1.5),
        ("decode T1 >= 0.9 x zstd T1", "decode_t1_mb_s", "decode_t1_mb_s", 0.9),
        ("ratio >= 0.99 x zstd -3", "ratio", "ratio", 0.99),
    ]


def _value(row: Row, key: str) -> float:
    value = row[key]
    if value is None:
        raise KeyError(f"{key} was not measured for this codec")
    return value


def check_run(results: Results, default: str, long: str, threads: int) -> list[Check]:
    """Every target of one run, in a fixed order (the same for every run)."""
    out = []
    for kind, rows in results.items():
        ours, zstd = rows[default], rows["zstd -3"]
        for label, key, peer_key, limit in kind_targets(threads):
            out.append(at_least(f"{kind}: {label}", _value(ours, key) / _value(zstd, peer_key), limit))
    return out + kind_specific(results, default, long, threads)


def kind_specific(results: Results, default: str, long: str, threads: int) -> list[Check]:
    def rel(kind: str, peer: str, key: str = "ratio") -> float:
        return _value(results[kind][default], key) / _value(results[kind][peer], key)

    comp = results["compressed"][default]
    out = [
        at_least("compressed: encode >= 1 GB/s", _value(comp, "encode_mb_s"), 1000, "{:.0f} MB/s"),
        at_least(f"compressed: decode T{threads} >= 3 GB/s", _value(comp, "decode_mb_s"), 3000, "{:.0f} MB/s"),
        at_most("compressed: output <= input + 0.1 %", 1 / _value(comp, "ratio"), 1.001, "{:.4f} of input"),
        at_least(f"versioned-dense: ratio >= 0.8 x {long}", rel("versioned-dense", long), 0.8),
        at_least(f"versioned-sparse: ratio >= 1.0 x {long}", rel("versioned-sparse", long), 1.0),
        at_least(f"binary: ratio >= {long} (its speed: the binary encode target)", rel("binary", long), 1.0),
        at_least("float: ratio >= 1.15 x zstd -3", rel("float", "zstd -3"), 1.15),
        at_least(f"mixed: ratio >= {long} T{threads}", rel("mixed", long), 1.0),
        at_least(f"mixed: encode >= {long} T{threads} speed", rel("mixed", long, "encode_mb_s"), 1.0),
    ]
    for kind in ("text", "mixed"):
        cost = results[kind][default].get("refs_cost_ms_per_mib")
        if cost is not None:
            out.append(at_most(f"{kind}: references cost <= 0.15 ms CPU per MiB (default minus --no-refs, all threads)",
                               cost, 0.15, "{:+.3f} ms/MiB"))
    ratio, speed = rel("mixed", "zstd -3"), rel("mixed", "zstd -3", "encode_mb_s")
    out.append(Check("mixed: ratio >= 1.20 x zstd -3 at >= 0.9 x its speed", ratio, ratio >= 1.2 and speed >= 0.9,
                     f"{ratio:.3f} x at {speed:.2f} x", moonshot=True))
    return out


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return "one run: no spread"
    low, high = min(values), max(values)
    return f"spread {high / low - 1:.1%}" if low > 0 else f"range {low:+.3g} .. {high:+.3g}"


def verdicts(runs: list[list[Check]]) -> list[Verdict]:
    """Each target over all runs: pass only if it passed in every run."""
    out = []
    for same in zip(*runs):
        values = [c.value for c in same]
        out.append(Verdict(same[0].name, values, [c.shown for c in same], all(c.ok for c in same), spread(values), same[0].moonshot))
    return out


def markdown_targets(judged: list[Verdict], kinds: list[str], threads: int) -> list[str]:
    """A matrix of the every-kind targets (one cell per kind and target: each run's value),
    then the other targets one a line."""
    by_name = {v.name: v for v in judged}
    labels = [label for label, _, _, _ in kind_targets(threads)]
    lines = ["| data | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for kind in kinds:
        cells = []
        for label in labels:
            v = by_name[f"{kind}: {label}"]
            values = " / ".join(f"{x:.2f}" for x in v.values)
            cells.append(values if v.ok else f"**{values} FAIL**")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    matrix = {f"{kind}: {label}" for kind in kinds for label in labels}
    lines += ["", "| target | result | each run | spread |", "|---|---|---|---|"]
    for v in judged:
        if v.name not in matrix:
            result = v.result if v.ok or v.moonshot else f"**{v.result}**"
            lines.append(f"| {v.name} | {result} | {' / '.join(v.shown)} | {v.spread} |")
    return lines
