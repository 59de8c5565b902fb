"""Power-law fit ``y = a * x**b`` by least squares on log-log axes.

The exponent ``b`` is the growth rate: memory that does not grow with the
input has b ~ 0; memory proportional to it has b ~ 1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence


@dataclass(frozen=True)
class PowerFit:
    a: float
    b: float
    r2: float  # of the straight line in log-log space; 1 when the points lie on it
    n: int  # points fitted

    def predict(self, x: float) -> float:
        return self.a * x**self.b

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def power_fit(xs: Sequence[float], ys: Sequence[float]) -> PowerFit:
    """Fit ``ys = a * xs**b``; needs two or more distinct positive ``xs`` and positive ``ys``."""
    if len(xs) != len(ys):
        raise ValueError(f"need as many x as y values, got {len(xs)} and {len(ys)}")
    if any(v <= 0 for v in (*xs, *ys)):
        raise ValueError("a power-law fit needs positive values")
    lx = [math.log(v) for v in xs]
    ly = [math.log(v) for v in ys]
    n = len(lx)
    mx, my = sum(lx) / n, sum(ly) / n
    sxx = sum((x - mx) ** 2 for x in lx)
    if n < 2 or sxx == 0:
        raise ValueError("a power-law fit needs at least two distinct sizes")
    b = sum((x - mx) * (y - my) for x, y in zip(lx, ly)) / sxx
    log_a = my - b * mx
    ss_res = sum((y - (log_a + b * x)) ** 2 for x, y in zip(lx, ly))
    ss_tot = sum((y - my) ** 2 for y in ly)
    # All y equal: the flat line fits exactly.
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 1e-12 else 1.0
    return PowerFit(math.exp(log_a), b, r2, n)
