"""Profile charts as PNG files; matplotlib is optional (``pip install 'sigmalang[plot]'``)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

MIB = 1 << 20
STYLE = {"sigmalang-file": "-o", "sigmalang-pipe": "-^", "whole": "--s"}
LABELS = {"sigmalang-file": "sigmalang file to file", "sigmalang-pipe": "sigmalang through a pipe", "whole": "zstd whole buffer"}


def load_pyplot() -> tuple[ModuleType | None, str | None]:
    """(pyplot, None), or (None, why not) when matplotlib cannot be used."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only; never a window
        import matplotlib.pyplot as plt
    except ImportError:
        return None, "matplotlib is not installed (pip install 'sigmalang[plot]')"
    return plt, None


def _series(doc: dict) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = {}
    for p in sorted(doc["points"], key=lambda p: p["size_bytes"]):
        out.setdefault((p["engine"], p["mode"]), []).append(p)
    return out


def _label(engine: str, mode: str) -> str:
    return f"{LABELS.get(engine, engine)} {mode}"


def plot_profile(doc: dict, out_dir: str | Path, prefix: str = "") -> tuple[list[str], str | None]:
    """Write the three profile charts; returns (files, reason charts were skipped)."""
    plt, why = load_pyplot()
    if plt is None:
        return [], why
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    series = _series(doc)
    fits = {(f["engine"], f["mode"]): f for f in doc["fits"] if f["metric"] == "peak_rss" and f["b"] is not None}
    files = []

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (engine, mode), points in series.items():
        x = [p["size_bytes"] / MIB for p in points]
        y = [p["peak_rss"]["mean"] / MIB for p in points]
        err = [p["peak_rss"]["stdev"] / MIB for p in points]
        fit = fits.get((engine, mode))
        label = _label(engine, mode) + (f" (b = {fit['b']:.2f})" if fit else "")
        ax.errorbar(x, y, yerr=err, fmt=STYLE.get(engine, "-o"), capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("input size (MiB)")
    ax.set_ylabel("peak RSS of the process (MiB)")
    ax.set_title("Peak memory vs input size (mean ± stdev)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    files.append(_save(plt, fig, out / f"{prefix}peak_memory.png"))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (engine, mode), points in series.items():
        x = [p["size_bytes"] / MIB for p in points]
        ax.plot(x, [p["mb_s"]["best"] for p in points], STYLE.get(engine, "-o"), label=_label(engine, mode) + " (best)")
    ax.set_xscale("log")
    ax.set_xlabel("input size (MiB)")
    ax.set_ylabel("MB/s (10^6 raw bytes per second)")
    ax.set_title("Throughput vs input size (best of the runs)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    files.append(_save(plt, fig, out / f"{prefix}throughput.png"))

    largest = max(p["size_bytes"] for p in doc["points"])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (engine, mode), points in series.items():
        trace = next(p["trace"] for p in points if p["size_bytes"] == largest)
        start = trace["work_start_s"]
        ax.plot([t - start for t in trace["t_s"]], [r / MIB for r in trace["rss"]], STYLE.get(engine, "-")[:-1] or "-",
                label=_label(engine, mode))
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("seconds since the work started (negative: start-up and loading)")
    ax.set_ylabel("RSS (MiB), sampled by the parent")
    ax.set_title(f"Memory over time, {largest / MIB:g} MiB input (first run)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    files.append(_save(plt, fig, out / f"{prefix}memory_over_time.png"))
    return files, None


def _save(plt: ModuleType, fig: object, path: Path) -> str:
    fig.tight_layout()  # type: ignore[attr-defined]
    fig.savefig(path, dpi=110)  # type: ignore[attr-defined]
    plt.close(fig)
    return str(path)
