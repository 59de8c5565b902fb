"""Mean, spread and extremes of repeated measurements."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Iterable


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    stdev: float  # sample standard deviation; 0 for a single value
    cv: float  # stdev / mean: spread relative to size, comparable across points
    min: float
    max: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def summarize(values: Iterable[float]) -> Summary:
    data = [float(v) for v in values]
    if not data:
        raise ValueError("no values to summarize")
    mean = statistics.fmean(data)
    stdev = statistics.stdev(data) if len(data) > 1 else 0.0
    return Summary(len(data), mean, stdev, stdev / mean if mean else 0.0, min(data), max(data))
