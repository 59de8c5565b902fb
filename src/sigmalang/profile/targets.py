"""The memory targets a profile is checked against.

At 1 GiB, encoding and decoding: peak RSS at most 100 MiB file to file. A path
that streams like a pipe may keep up to the reference window its streams
declare as history (output that later chunks copy from, or prime segments
with, cannot be read back from a pipe), so there the bound is 100 MiB plus that
window. And over 64 MiB..1 GiB the fitted growth exponent of peak RSS is at
most 0.05: memory that does not grow with the input.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from .fit import power_fit

MIB = 1 << 20
PEAK_LIMIT = 100 * MIB
EXPONENT_LIMIT = 0.05
AT_SIZE = 1024 * MIB
FIT_FROM, FIT_TO = 64 * MIB, 1024 * MIB
#: The sigmalang engines checked, by what their path is called; the pipe's bound adds the declared window.
PATHS = {"sigmalang-file": "file to file", "sigmalang-pipe": "through a pipe"}
KEEPS_HISTORY = {"sigmalang-pipe"}

Point = dict[str, Any]  # one point of profile.json (see schema)


def _peak_check(engine: str, mode: str, points: list[Point]) -> dict[str, object]:
    at = min(points, key=lambda p: abs(math.log(int(p["size_bytes"]) / AT_SIZE)))
    size = int(at["size_bytes"])
    peak = max(int(r["peak_rss"]) for r in at["runs"])
    window = int(at.get("declared_window") or 0) if engine in KEEPS_HISTORY else 0
    limit = PEAK_LIMIT + window
    detail = f"<= {PEAK_LIMIT / MIB:.0f} MiB" + (f" + declared window {window / MIB:g} MiB" if window else "")
    if size != AT_SIZE:
        detail += "; the target is at 1 GiB"
    return {"engine": engine, "mode": mode, "what": "peak", "ok": peak <= limit, "value": peak, "limit": limit,
            "name": f"{mode}, {PATHS[engine]}: peak RSS at {size / MIB:g} MiB, worst run",
            "shown": f"{peak / MIB:.1f} MiB", "detail": detail}


def _exponent_check(engine: str, mode: str, points: list[Point]) -> dict[str, object]:
    fitted = [p for p in points if FIT_FROM <= int(p["size_bytes"]) <= FIT_TO]
    name = f"{mode}, {PATHS[engine]}: growth exponent of peak RSS, 64 MiB..1 GiB"
    check: dict[str, object] = {"engine": engine, "mode": mode, "what": "exponent", "limit": EXPONENT_LIMIT, "name": name}
    if len(fitted) < 2:
        return {**check, "ok": None, "value": None, "shown": "-",
                "detail": "needs two sizes in that range, e.g. --sizes 64,256,1024"}
    sizes = [int(p["size_bytes"]) / MIB for p in fitted]
    b = power_fit(sizes, [p["peak_rss"]["mean"] for p in fitted]).b
    return {**check, "ok": b <= EXPONENT_LIMIT, "value": b, "shown": f"b = {b:.3f}",
            "detail": f"<= {EXPONENT_LIMIT}, fitted at {', '.join(f'{s:g}' for s in sizes)} MiB"}


def memory_checks(points: Iterable[Point]) -> list[dict[str, object]]:
    """Peak and growth exponent of every sigmalang path and mode in ``points``."""
    mine = [p for p in points if p["engine"] in PATHS]
    out = []
    for engine, mode in sorted({(str(p["engine"]), str(p["mode"])) for p in mine}):
        series = sorted((p for p in mine if (p["engine"], p["mode"]) == (engine, mode)), key=lambda p: int(p["size_bytes"]))
        out += [_peak_check(engine, mode, series), _exponent_check(engine, mode, series)]
    return out


def check_line(check: dict[str, Any]) -> str:
    verdict = {True: "PASS", False: "FAIL", None: "NOT CHECKED"}[check["ok"]]
    if check["ok"] is None:
        return f"{verdict:<11} {check['name']}: {check['detail']}"
    return f"{verdict:<11} {check['name']}: {check['shown']} ({check['detail']})"
