"""The profile as rich tables: one row per point, then the fits."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .targets import check_line

MIB = 1 << 20


def console_for_tables() -> Console:
    """A console that does not squeeze tables to 80 columns when writing to a file or pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=120)


def mib(value: float | None) -> str:
    """Bytes as MiB with one decimal, or "-" when not measured (shared by the bench tables)."""
    return "-" if value is None else f"{value / MIB:,.1f}"


def points_table(doc: dict[str, object]) -> Table:
    settings = doc["settings"]  # type: dict[str, object]  # type: ignore[assignment]
    table = Table(
        title=f"sigmalang profile: {settings['data']} data, level {settings['level']}, "
        f"{settings['threads_resolved']} threads, {settings['runs']} runs per point",
        caption="peak: the child's own peak RSS, mean ± stdev (CV); growth: peak minus RSS before the work;\n"
        "heap: tracemalloc peak of a separate run; MB/s = 10^6 raw bytes/s, best and mean. whole = zstd on the whole buffer",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
    )
    for name in ("engine", "mode", "MiB", "peak MiB", "±", "CV", "growth", "heap", "MB/s", "mean", "ratio"):
        table.add_column(name, justify="left" if name in ("engine", "mode") else "right", no_wrap=True)
    for p in doc["points"]:  # type: ignore[attr-defined]
        peak, growth = p["peak_rss"], p["growth_rss"]
        table.add_row(
            p["engine"],
            p["mode"],
            f"{p['size_bytes'] / MIB:g}",
            f"{peak['mean'] / MIB:,.1f}",
            f"{peak['stdev'] / MIB:.1f}",
            f"{peak['cv']:.1%}",
            mib(growth["mean"]),
            mib(p["heap_peak"]),
            f"{p['mb_s']['best']:,.0f}",
            f"{p['mb_s']['mean']:,.0f}",
            "-" if p["ratio"] is None else f"{p['ratio']:.3f}",
        )
    return table


def fits_table(doc: dict[str, object]) -> Table:
    table = Table(title="memory = a x size^b (least squares on log-log; size in MiB)", box=box.SIMPLE_HEAD,
        collapse_padding=True, caption_justify="left",
                  caption="b ~ 0: flat; b ~ 1: proportional to the input. R² says little when b ~ 0 (nothing to explain).")
    for name in ("engine", "mode", "of", "b", "a (MiB)", "R²", "points"):
        table.add_column(name, justify="left" if name in ("engine", "mode", "of") else "right")
    for f in doc["fits"]:  # type: ignore[attr-defined]
        if f["b"] is None:
            table.add_row(f["engine"], f["mode"], f["metric"], "-", "-", "-", str(f["n"]))
            continue
        table.add_row(f["engine"], f["mode"], "peak RSS" if f["metric"] == "peak_rss" else "growth",
                      f"{f['b']:.3f}", f"{f['a'] / MIB:,.2f}", f"{f['r2']:.3f}", str(f["n"]))
    return table


def paths_lines(doc: dict[str, object]) -> list[str]:
    """What each engine measured, and the reference window its streams declare."""
    settings = doc["settings"]  # type: dict[str, dict[str, str]]  # type: ignore[assignment]
    lines = []
    for engine, description in settings["engines"].items():
        windows = {p["declared_window"] for p in doc["points"] if p["engine"] == engine and p.get("declared_window") is not None}  # type: ignore[attr-defined]
        declared = f"; streams declare a reference window of {', '.join(f'{w / MIB:g} MiB' for w in sorted(windows))}" if windows else ""
        lines.append(f"{engine}: {description}{declared}")
    return lines


def print_profile(doc: dict[str, object], console: Console | None = None) -> None:
    console = console or console_for_tables()
    for line in paths_lines(doc):
        console.print(line, highlight=False)
    console.print(points_table(doc))
    if doc["fits"]:
        console.print(fits_table(doc))
    for check in doc.get("checks", []):  # type: ignore[attr-defined]
        console.print(check_line(check), highlight=False)
    charts = doc["charts"]  # type: dict[str, object]  # type: ignore[assignment]
    if charts["skipped"]:
        console.print(f"[yellow]charts skipped:[/yellow] {escape(str(charts['skipped']))}")
    for path in charts["files"]:  # type: ignore[attr-defined]
        console.print(f"chart: {path}")
