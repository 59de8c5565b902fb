"""Measured performance: peak memory, heap and speed over input sizes, in child processes.

``run_profile`` measures, ``power_fit`` describes growth, ``plot_profile``
draws, ``print_profile`` shows; ``sigmalang profile`` strings them together.
Nothing here estimates: every figure comes from a run.
"""

from __future__ import annotations

from .fit import PowerFit, power_fit
from .runner import ProfileSettings, run_profile
from .schema import PROFILE_SCHEMA_VERSION, bench_problems, profile_problems
from .stats import Summary, summarize
from .timing import Timed, timed_runs

__all__ = [
    "PROFILE_SCHEMA_VERSION",
    "PowerFit",
    "ProfileSettings",
    "Summary",
    "Timed",
    "bench_problems",
    "power_fit",
    "profile_problems",
    "run_profile",
    "summarize",
    "timed_runs",
]
