"""The compressors ``sigmalang bench`` compares, each a (compress, decompress) pair of
bytes -> bytes functions made from a family name, a level and a thread count.

Optional peers (lz4, brotli, blosc2) are imported only when used; a missing one
is reported as "not installed", never an error.
"""

from __future__ import annotations

import importlib.util
import lzma
import zlib
from dataclasses import dataclass
from typing import Callable

import zstandard

Codec = Callable[[bytes], bytes]

#: Module each family needs, for the availability check.
MODULES = {"sigmalang": "sigmalang", "zstandard": "zstandard", "zlib": "zlib", "lzma": "lzma",
           "lz4": "lz4.frame", "brotli": "brotli", "blosc2": "blosc2"}


@dataclass(frozen=True)
class Spec:
    """One row of the comparison."""

    family: str
    level: int | None
    capped: bool = False  # slow: measured on at most the cap's bytes
    numeric_only: bool = False  # run only on numeric inputs (byte shuffle needs an element size)
    variant: str = ""  # e.g. the inner codec of blosc2

    def name(self, threads: int) -> str:
        level = "" if self.level is None else f" -{self.level}"
        if self.family == "sigmalang":
            return f"sigmalang{level} T{threads}"
        if self.family == "zstandard":
            return f"zstandard{level} T{threads}"
        if self.family == "blosc2":
            return f"blosc2 {self.variant}+shuffle{level}"
        return f"{self.family}{level}"


def default_specs(sigmalang_levels: tuple[int, ...] = (1, 3, 9, 19)) -> list[Spec]:
    """The standard line-up; level 19 and lzma are slow and run on the cap."""
    specs = [Spec("sigmalang", lv, capped=lv >= 19) for lv in sigmalang_levels]
    specs += [Spec("zstandard", lv, capped=lv >= 19) for lv in (1, 3, 9, 19)]
    specs += [Spec("zlib", lv) for lv in (1, 6, 9)]
    specs += [Spec("lzma", 6, capped=True)]
    specs += [Spec("lz4", lv) for lv in (0, 9)]
    specs += [Spec("brotli", lv) for lv in (1, 5, 9)]
    specs += [Spec("blosc2", 5, numeric_only=True, variant=v) for v in ("zstd", "lz4")]
    return specs


def missing(family: str) -> str | None:
    """Why ``family`` cannot run here, or None when it can."""
    module = MODULES[family]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        found = False
    return None if found else f"{module.split('.')[0]} is not installed"


def make(spec: Spec, threads: int, typesize: int = 8) -> tuple[Codec, Codec]:
    """(compress, decompress) for ``spec``; ``threads`` matters for sigmalang and zstandard only."""
    family, level = spec.family, spec.level
    if family == "sigmalang":
        import sigmalang

        return (lambda d: sigmalang.compress(d, level or 3, threads=threads)), (lambda b: sigmalang.decompress(b, threads=threads))
    if family == "zstandard":
        cctx = zstandard.ZstdCompressor(level=level or 3, threads=threads if threads > 1 else 0)
        dctx = zstandard.ZstdDecompressor()
        return cctx.compress, dctx.decompress
    if family == "zlib":
        return (lambda d: zlib.compress(d, level if level is not None else 6)), zlib.decompress
    if family == "lzma":
        return (lambda d: lzma.compress(d, preset=level if level is not None else 6)), lzma.decompress
    if family == "lz4":
        import lz4.frame

        return (lambda d: lz4.frame.compress(d, compression_level=level or 0)), lz4.frame.decompress
    if family == "brotli":
        import brotli

        return (lambda d: brotli.compress(d, quality=level if level is not None else 5)), brotli.decompress
    if family == "blosc2":
        import blosc2

        inner = {"zstd": blosc2.Codec.ZSTD, "lz4": blosc2.Codec.LZ4}[spec.variant]
        blosc2.set_nthreads(max(1, threads))
        return (lambda d: blosc2.compress(d, typesize=typesize, clevel=level or 5, codec=inner)), blosc2.decompress
    raise ValueError(f"unknown codec family {family!r}")
