"""``sigmalang bench``: sigmalang beside other compressors on the same data, in the same run.

Each codec runs in its own child process (timing and peak memory); the zstd
command line runs as a whole process. Optional peers that are not installed are
listed as such.
"""

from __future__ import annotations

from .codecs import Spec, default_specs
from .pareto import frontier
from .runner import BenchInput, BenchSettings, builtin_input, run_bench

__all__ = ["BenchInput", "BenchSettings", "Spec", "builtin_input", "default_specs", "frontier", "run_bench"]
