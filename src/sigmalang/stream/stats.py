"""StreamStats: what one encode or decode did, measured."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class StreamStats:
    bytes_in: int = 0
    bytes_out: int = 0
    chunks: int = 0
    elapsed: float = 0.0  # seconds of wall time
    strategies: Counter[str] = field(default_factory=Counter)
    strategy_raw_bytes: Counter[str] = field(default_factory=Counter)
    strategy_encoded_bytes: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # detector's data kind per chunk
    peak_buffered_bytes: int = 0  # most raw bytes held in flight at once
    threads: int = 1
    mode: str = "encode"  # "encode" or "decode": which side is raw

    def add(self, part: StreamStats) -> None:
        """Count ``part`` (a later stream or piece of work) into these totals."""
        self.bytes_in += part.bytes_in
        self.bytes_out += part.bytes_out
        self.chunks += part.chunks
        self.elapsed += part.elapsed
        self.strategies.update(part.strategies)
        self.strategy_raw_bytes.update(part.strategy_raw_bytes)
        self.strategy_encoded_bytes.update(part.strategy_encoded_bytes)
        self.kinds.update(part.kinds)
        self.peak_buffered_bytes = max(self.peak_buffered_bytes, part.peak_buffered_bytes)
        self.threads = part.threads

    @property
    def _encoding(self) -> bool:
        return self.mode == "encode"

    @property
    def ratio(self) -> float:
        """Raw size over compressed size (for a decode: output over input)."""
        raw, packed = (self.bytes_in, self.bytes_out) if self._encoding else (self.bytes_out, self.bytes_in)
        return raw / packed if packed else 0.0

    @property
    def throughput(self) -> float:
        """Raw megabytes (10**6 bytes) per second of wall time."""
        raw = self.bytes_in if self._encoding else self.bytes_out
        return raw / self.elapsed / 1e6 if self.elapsed > 0 else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "ratio": round(self.ratio, 4),
            "chunks": self.chunks,
            "elapsed": round(self.elapsed, 6),
            "throughput_mb_s": round(self.throughput, 2),
            "strategies": dict(self.strategies),
            "kinds": dict(self.kinds),
            "peak_buffered_bytes": self.peak_buffered_bytes,
            "threads": self.threads,
            "mode": self.mode,
        }
