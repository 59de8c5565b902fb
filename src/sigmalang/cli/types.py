"""Argument types shared by every subcommand: each parses one value and says
clearly what was expected (argparse turns the message into a usage error)."""

from __future__ import annotations

import argparse
from typing import Callable

from ..settings import MAX_LEVEL, MAX_REFERENCE_WINDOW, MIN_LEVEL, MIN_REFERENCE_WINDOW


def bounded_int(low: int, high: int | None = None, what: str = "a whole number", note: str = "") -> Callable[[str], int]:
    """A parser for integers in ``low..high`` (``high`` None: no upper bound)."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}") from None
        if n < low or (high is not None and n > high):
            span = f"from {low} to {high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"must be {span}{note}, got {n}")
        return n

    return parse


def int_list(item: Callable[[str], int], example: str) -> Callable[[str], tuple[int, ...]]:
    """A parser for comma-separated integers, each checked by ``item``; sorted, without repeats."""

    def parse(value: str) -> tuple[int, ...]:
        parts = [part for part in value.split(",") if part.strip()]
        if not parts:
            raise argparse.ArgumentTypeError(f"expected values separated by commas, such as {example}; got {value!r}")
        return tuple(sorted({item(part) for part in parts}))

    return parse


threads = bounded_int(0, None, "a whole number of threads", " (0 = all cores)")
level = bounded_int(MIN_LEVEL, MAX_LEVEL, f"a level from {MIN_LEVEL} to {MAX_LEVEL}")
positive = bounded_int(1)


def seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value!r}")
    return n


def byte_size_at_most(limit: int) -> Callable[[str], int]:
    """``byte_size`` with an upper bound (named in the error in MiB)."""

    def parse(value: str) -> int:
        n = byte_size(value)
        if n > limit:
            raise argparse.ArgumentTypeError(f"must be at most {limit >> 20}M, got {value!r}")
        return n

    return parse


def reference_window(value: str) -> int:
    """0 (off) or a power of two from 1M to 1G, as sizes like 64M."""
    if value.strip() == "0":
        return 0
    n = byte_size(value)
    if n & (n - 1) or not MIN_REFERENCE_WINDOW <= n <= MAX_REFERENCE_WINDOW:
        raise argparse.ArgumentTypeError(f"must be 0 or a power of two from 1M to 1G, got {value!r}")
    return n


def byte_size(value: str) -> int:
    """Sizes like 65536, 64K, 4M (binary units)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = value.strip().upper().removesuffix("IB").removesuffix("B")
    factor = 1
    if text and text[-1] in units:
        factor = units[text[-1]]
        text = text[:-1]
    try:
        n = int(text) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size such as 65536, 256K or 4M, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {value!r}")
    return n
