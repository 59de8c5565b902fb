"""A built-in, reproducible sample of mixed data: log text, NDJSON, CSV, numeric
arrays, binary and incompressible bytes, generated from a fixed seed.

It feeds ``sigmalang demo``, ``sigmalang bench`` and ``sigmalang profile`` so
that every figure they print can be regenerated anywhere without a download.
"""

from __future__ import annotations

import json
from typing import Callable, Iterator

import numpy as np

_WORDS = (
    "the of and to in is for on that with as by at from this be are or an it was not have which "
    "data stream chunk buffer error request server client user session cache index value key time "
    "start stop read write open close file path size level thread worker queue memory disk network "
    "GET POST PUT DELETE INFO WARN DEBUG ERROR status ok failed retry timeout connected closed"
).split()
_HOSTS = ["api", "db", "cache", "auth", "web", "queue"]
_PATHS = ["/v1/users", "/v1/orders", "/v1/items", "/health", "/v2/search", "/login", "/static/app.js"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def log_text(size: int, seed: int = 1) -> bytes:
    """Web-server style log lines with Zipf-distributed words."""
    rng = _rng(seed)
    lines: list[str] = []
    total = 0
    t = 1_700_000_000
    words = np.array(_WORDS)
    while total < size:
        n = 512
        ranks = np.minimum(rng.zipf(1.3, size=(n, 8)) - 1, len(words) - 1)
        status = rng.choice([200, 200, 200, 201, 304, 404, 500], size=n)
        latency = rng.gamma(2.0, 30.0, size=n)
        hosts = rng.integers(0, len(_HOSTS), size=n)
        paths = rng.integers(0, len(_PATHS), size=n)
        for i in range(n):
            t += int(rng.integers(0, 3))
            line = (
                f"{t} {_HOSTS[hosts[i]]}-{i % 7} {_PATHS[paths[i]]} {status[i]} {latency[i]:.1f}ms "
                + " ".join(words[ranks[i]])
                + "\n"
            )
            lines.append(line)
            total += len(line)
    return "".join(lines).encode()[:size]


def ndjson(size: int, seed: int = 2) -> bytes:
    """Newline-delimited JSON records with a fixed schema."""
    rng = _rng(seed)
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        record = {
            "id": i,
            "user": f"user{int(rng.integers(0, 5000))}",
            "event": _WORDS[int(rng.integers(0, len(_WORDS)))],
            "amount": round(float(rng.gamma(2.0, 20.0)), 2),
            "tags": [_WORDS[int(k)] for k in rng.integers(0, len(_WORDS), size=int(rng.integers(0, 4)))],
            "ok": bool(rng.random() < 0.9),
        }
        line = json.dumps(record, separators=(",", ":")) + "\n"
        out.append(line)
        total += len(line)
        i += 1
    return "".join(out).encode()[:size]


def csv_table(size: int, seed: int = 3) -> bytes:
    """A CSV table of timestamps, categories and measurements."""
    rng = _rng(seed)
    rows = ["timestamp,sensor,region,temperature,humidity,count\n"]
    total = len(rows[0])
    ts = 1_600_000_000
    while total < size:
        n = 1024
        sensors = rng.integers(0, 200, size=n)
        temps = np.round(20 + rng.normal(0, 5, size=n), 2)
        hums = np.round(rng.uniform(20, 90, size=n), 1)
        counts = rng.poisson(30, size=n)
        for k in range(n):
            ts += 1
            row = f"{ts},s{sensors[k]:03d},{_HOSTS[sensors[k] % 6]},{temps[k]},{hums[k]},{counts[k]}\n"
            rows.append(row)
            total += len(row)
    return "".join(rows).encode()[:size]


def int_counters(size: int, seed: int = 4) -> bytes:
    """int32 monotonically increasing counters (small random steps)."""
    rng = _rng(seed)
    steps = rng.integers(0, 50, size=size // 4 + 1, dtype=np.int64)
    return np.cumsum(steps).astype("<i4").tobytes()[:size]


def float_series(size: int, seed: int = 5) -> bytes:
    """float64 random walk quantised to 3 decimals."""
    rng = _rng(seed)
    walk = np.cumsum(rng.normal(0, 0.5, size=size // 8 + 1))
    return np.round(walk, 3).astype("<f8").tobytes()[:size]


def binary_blob(size: int, seed: int = 6) -> bytes:
    """Machine-code-like bytes: short repeated instruction patterns with random operands."""
    rng = _rng(seed)
    opcodes = rng.integers(0, 256, size=(64, 4), dtype=np.uint8)
    picks = rng.integers(0, 64, size=size // 8 + 1)
    body = opcodes[picks]
    operands = rng.integers(0, 256, size=(len(picks), 4), dtype=np.uint8)
    operands[rng.random(len(picks)) < 0.6] = 0
    return np.concatenate([body, operands], axis=1).tobytes()[:size]


def random_bytes(size: int, seed: int = 7) -> bytes:
    """Incompressible bytes (stands in for already-compressed data)."""
    return _rng(seed).integers(0, 256, size=size, dtype=np.uint8).tobytes()


KINDS: dict[str, Callable[[int, int], bytes]] = {
    "text": log_text,
    "json": ndjson,
    "csv": csv_table,
    "int": int_counters,
    "float": float_series,
    "binary": binary_blob,
    "random": random_bytes,
}

#: Share of each kind in the mixed sample.
MIX = {"text": 0.30, "json": 0.20, "csv": 0.15, "int": 0.10, "float": 0.10, "binary": 0.10, "random": 0.05}


def mixed(size: int, seed: int = 0, piece: int = 1 << 20) -> bytes:
    """``size`` bytes of the mixed sample, interleaved in ``piece``-sized runs."""
    return b"".join(iter_mixed(size, seed, piece))


def iter_mixed(size: int, seed: int = 0, piece: int = 1 << 20) -> Iterator[bytes]:
    """The mixed sample as a generator, so profiles can stream sizes beyond memory.

    Pieces rotate through the kinds by their share; each piece is generated from
    its own seed, so the stream is the same however it is consumed.
    """
    order = [kind for kind, share in MIX.items() for _ in range(round(share * 20))]
    produced = 0
    i = 0
    while produced < size:
        n = min(piece, size - produced)
        kind = order[i % len(order)]
        yield KINDS[kind](n, seed * 1_000_003 + i)
        produced += n
        i += 1
