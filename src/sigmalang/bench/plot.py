"""Ratio vs compression speed, with the Pareto frontier drawn (matplotlib optional)."""

from __future__ import annotations

from pathlib import Path

from ..profile.plot import load_pyplot

COLOURS = {"sigmalang": "tab:red", "zstandard": "tab:blue", "zstd-cli": "tab:cyan", "zlib": "tab:green",
           "lzma": "tab:purple", "lz4": "tab:orange", "brotli": "tab:brown", "blosc2": "tab:pink"}


def plot_pareto(item: dict, path: str | Path) -> tuple[list[str], str | None]:
    """Write one scatter for one input; returns (files, reason skipped)."""
    plt, why = load_pyplot()
    if plt is None:
        return [], why
    results = item["results"]
    fig, ax = plt.subplots(figsize=(8, 5))
    for r in results:
        x, y = r["compress_mb_s"]["best"], r["ratio"]
        colour = COLOURS.get(r["family"], "black")
        ax.scatter(x, y, marker="*" if r["family"] == "sigmalang" else "o", s=90 if r["family"] == "sigmalang" else 35,
                   zorder=3, facecolors="none" if r["capped"] else colour, edgecolors=colour)
        ax.annotate(r["name"] + (" (prefix only)" if r["capped"] else ""), (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    front = sorted((r for r in results if r.get("pareto")), key=lambda r: r["compress_mb_s"]["best"])
    ax.plot([r["compress_mb_s"]["best"] for r in front], [r["ratio"] for r in front], "k--", lw=1, label="Pareto frontier", zorder=2)
    ax.set_xscale("log")
    ax.set_xlabel("compression MB/s (best of runs, log scale)")
    ax.set_ylabel("ratio (raw / compressed)")
    ax.set_title(f"{item['name']}: hollow = measured on a prefix (slow codec)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [str(out)], None
