"""Records: arrays whose elements form rows of a few columns (a table of numbers
stored row by row, interleaved channels), regrouped column by column.

Neighbouring elements of such an array belong to different columns, so their
differences are as large as the values and zstd finds no runs; element j of
every record grouped together makes each column a contiguous series, which
the other transforms (differences, decimals, shuffle) and zstd then see. The
record length is estimated, not tried: the stride k whose differences
``x[i] - x[i - k]`` are smallest on a sample (in bits, with the elements read
as integers, which orders floats of one sign by value too).
"""

from __future__ import annotations

import numpy as np

#: Longest record looked for, in elements.
MAX_RECORD = 32
#: Elements of the sample the estimate reads.
SAMPLE = 4096
#: Bits per element a stride must save over neighbours' differences to count.
MIN_BITS = 2.0


def regroup(values: np.ndarray, records: int, out: np.ndarray) -> None:
    """``values`` with element j of every whole record together (j = 0 ... records-1),
    into ``out``; the elements after the last whole record keep their places."""
    body = values.size - values.size % records
    out[:body].reshape(records, -1)[...] = values[:body].reshape(-1, records).T
    out[body:] = values[body:]


def ungroup(grouped: np.ndarray, records: int, out: np.ndarray) -> None:
    """``regroup`` undone, into ``out``."""
    body = grouped.size - grouped.size % records
    out[:body].reshape(-1, records)[...] = grouped[:body].reshape(records, -1).T
    out[body:] = grouped[body:]


def estimate(values: np.ndarray) -> int:
    """The record length (1: none) that makes differences of elements smallest on a
    sample from the middle of ``values`` (unsigned integers of the element width)."""
    if values.size < 4 * MAX_RECORD:
        return 1
    start = max(0, (values.size - SAMPLE) // 2)
    sample = values[start : start + SAMPLE].astype(np.uint64)
    costs = np.empty(MAX_RECORD)
    for k in range(1, MAX_RECORD + 1):
        diff = sample[k:] - sample[:-k]  # wraps: the smaller of d and -d is the distance
        costs[k - 1] = np.log2(np.minimum(diff, -diff).astype(np.float64) + 1).mean()
    best = int(np.argmin(costs)) + 1
    # A multiple of the true length is as good: keep the shortest that is nearly the best.
    best = next(k for k in range(1, best + 1) if costs[k - 1] <= costs[best - 1] * 1.02 + 0.05)
    return best if costs[best - 1] <= costs[0] - MIN_BITS else 1
