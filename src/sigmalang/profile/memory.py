"""Memory readings: a child process sampled from outside, and peaks read from inside.

Peak RSS is what the operating system had to give the process, including what
C libraries (zstd, lzma) allocate outside Python's view; tracemalloc sees only
the Python heap. Both are measured, never estimated.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_INTERVAL = 0.010  # seconds between the parent's RSS samples of a child
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


@dataclass
class ChildRun:
    """What one child reported (its last stdout line, as JSON) and the RSS trace taken of it."""

    report: dict[str, object]
    trace_t: list[float] = field(default_factory=list)  # seconds since the child started
    trace_rss: list[int] = field(default_factory=list)  # bytes
    started: float = 0.0  # time.time() when the child was started
    stdout: str = ""
    stderr: str = ""

    @property
    def sampled_peak(self) -> int:
        return max(self.trace_rss, default=0)


class ChildFailed(RuntimeError):
    pass


def run_python_child(args: list[str], sample: bool = True, timeout: float = 1800) -> ChildRun:
    """Run ``python args...``, sampling its RSS every ``SAMPLE_INTERVAL`` until it exits;
    its last line of output is its JSON report."""
    run = run_sampled([sys.executable, *args], sample, timeout)
    lines = run.stdout.strip().splitlines()
    if not lines:
        raise ChildFailed(f"child {' '.join(args)} printed no report:\n{run.stderr.strip()}")
    run.report = json.loads(lines[-1])
    return run


def run_sampled(cmd: list[str], sample: bool = True, timeout: float = 1800) -> ChildRun:
    """Run ``cmd``, sampling its RSS from outside; raises ChildFailed unless it exits 0.

    The sampled peak can miss a spike shorter than the interval; it is the only
    reading available for programs that cannot report their own peak.
    """
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    trace_t: list[float] = []
    trace_rss: list[int] = []
    if sample:
        try:
            watched = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    rss = watched.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    break
                trace_t.append(time.time() - started)
                trace_rss.append(rss)
                time.sleep(SAMPLE_INTERVAL)
        except psutil.NoSuchProcess:
            pass
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise ChildFailed(f"{' '.join(cmd)} took more than {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise ChildFailed(f"{' '.join(cmd)} failed with status {proc.returncode}:\n{err.strip()}")
    return ChildRun({}, trace_t, trace_rss, started, out, err)


def own_peak_rss() -> int:
    """This process's peak RSS so far, in bytes.

    On Linux this is VmHWM, the peak of the process's own memory: ``ru_maxrss``
    survives ``exec`` and so also counts the parent's RSS when it forked the
    child (a child of a 300 MB parent reports >= 300 MB). Elsewhere,
    ``ru_maxrss`` (KiB on Linux and BSD, bytes on macOS).
    """
    hwm = peak_since_reset()
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def own_rss() -> int:
    return psutil.Process().memory_info().rss


def reset_peak() -> bool:
    """Reset this process's high-water mark (Linux >= 4.0); False where that is impossible."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_since_reset() -> int | None:
    """Peak RSS since the last ``reset_peak`` (VmHWM), in bytes, or None if unavailable."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def can_reset_peak() -> bool:
    return os.access(_CLEAR_REFS, os.W_OK) and peak_since_reset() is not None
