"""Chunk sizes for a run: fixed, or adapted toward a target chunk duration.

Adaptive sizing exists for heterogeneous work: when items get slower, chunks
shrink so no worker is left with a long chunk at the end; when they get
faster, chunks grow so per-task overhead stays small. Each completed chunk
moves the size a fraction ``adaptation_rate`` of the way toward
``target_duration / observed_seconds_per_item``, within fixed bounds.
"""

from __future__ import annotations

from typing import Any

from . import _validate


def adaptive_params(
    initial: int,
    target_chunk_duration: float,
    adaptation_rate: float,
    *,
    enable: bool = True,
) -> dict[str, Any]:
    """The adaptive_chunking_params dict of a StreamingPlan (bounds initial/4..x4)."""
    return {
        "initial_chunksize": initial,
        "target_chunk_duration": target_chunk_duration,
        "adaptation_rate": adaptation_rate,
        "min_chunksize": max(1, initial // 4),
        "max_chunksize": max(1, initial * 4),
        "enable_adaptation": enable,
    }


class ChunkSizer:
    """Chunk size to submit next; observe() feeds back completed chunks."""

    def __init__(
        self,
        initial: int,
        *,
        target_duration: float = 0.2,
        adaptation_rate: float = 0.0,
        min_size: int | None = None,
        max_size: int | None = None,
    ) -> None:
        self.initial = _validate.positive_int("initial_chunksize", initial)
        self.target = _validate.positive_float("target_chunk_duration", target_duration)
        self.rate = _validate.fraction("adaptation_rate", adaptation_rate)
        self.min_size = _validate.positive_int("min_chunksize", min_size or max(1, initial // 4))
        self.max_size = _validate.positive_int("max_chunksize", max_size or initial * 4)
        if not self.min_size <= self.initial <= self.max_size:
            raise ValueError(
                f"chunk bounds must satisfy min_chunksize <= initial <= max_chunksize, "
                f"got {self.min_size} <= {self.initial} <= {self.max_size}"
            )
        self._size = float(self.initial)
        self.history: list[int] = []

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "ChunkSizer":
        return cls(
            params["initial_chunksize"],
            target_duration=params["target_chunk_duration"],
            adaptation_rate=params["adaptation_rate"] if params.get("enable_adaptation", True) else 0.0,
            min_size=params["min_chunksize"],
            max_size=params["max_chunksize"],
        )

    @classmethod
    def fixed(cls, size: int) -> "ChunkSizer":
        return cls(size, min_size=size, max_size=size)

    @property
    def adaptive(self) -> bool:
        return self.rate > 0 and self.min_size < self.max_size

    def next_size(self) -> int:
        size = max(self.min_size, min(self.max_size, round(self._size)))
        self.history.append(size)
        return size

    def observe(self, n_items: int, seconds: float) -> None:
        """Move toward the size that would have taken target seconds."""
        if not self.adaptive or n_items <= 0 or seconds <= 0:
            return
        ideal = self.target * n_items / seconds
        size = self._size + self.rate * (ideal - self._size)
        self._size = max(float(self.min_size), min(float(self.max_size), size))
