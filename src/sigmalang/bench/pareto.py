"""The Pareto frontier of ratio vs speed: the results no other result beats on both."""

from __future__ import annotations

from typing import Sequence


def frontier(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the points (speed, ratio) not dominated by another, fastest first.

    A point is dominated when another is at least as fast and compresses at
    least as well, and strictly better in one of the two.
    """
    order = sorted(range(len(points)), key=lambda i: (-points[i][0], -points[i][1]))
    kept: list[int] = []
    best_ratio = float("-inf")
    for i in order:
        if points[i][1] > best_ratio:
            kept.append(i)
            best_ratio = points[i][1]
    return kept
