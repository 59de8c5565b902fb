"""What the figures were measured on, recorded beside them."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone

import zstandard

from .. import __version__
from ..settings import available_cores


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, object]:

    return {
        "cpu_count": os.cpu_count(),
        "available_cores": available_cores(),
        "cpu_model": cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "sigmalang": __version__,
        "zstandard": zstandard.__version__,
        "zstd_library": ".".join(str(v) for v in zstandard.ZSTD_VERSION),
    }


def now_utc() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
