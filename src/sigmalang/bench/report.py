"""The bench as rich tables, one per input."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from ..profile.report import console_for_tables, mib


def input_table(item: dict, runs: int) -> Table:
    notes: dict[str, int] = {}
    table = Table(title=f"{item['name']} ({item['bytes']:,} bytes), best and mean of up to {runs} runs", box=box.SIMPLE_HEAD)
    for name in ("compressor", "ratio", "comp MB/s", "mean", "dec MB/s", "mean", "comp MiB", "dec MiB", "runs"):
        table.add_column(name, justify="left" if name == "compressor" else "right", no_wrap=True)
    for r in item["results"]:
        ref = ""
        if r["note"]:
            ref = f" [{notes.setdefault(r['note'], len(notes) + 1)}]"
        table.add_row(
            ("* " if r.get("pareto") else "  ") + r["name"] + ref,
            f"{r['ratio']:.3f}",
            f"{r['compress_mb_s']['best']:,.1f}",
            f"{r['compress_mb_s']['mean']:,.1f}",
            f"{r['decompress_mb_s']['best']:,.0f}",
            f"{r['decompress_mb_s']['mean']:,.0f}",
            mib(r["compress_peak_bytes"]),
            mib(r["decompress_peak_bytes"]),
            f"{r['runs']['compress']}/{r['runs']['decompress']}",
        )
    lines = ["* on the Pareto frontier of ratio vs compress speed (uncapped rows). MB/s = 10^6 raw bytes/s.",
             "MiB: peak extra RSS of the compress / decompress call in a child process."]
    lines += [f"[{n}] {text}" for text, n in notes.items()]
    table.caption = "\n".join(lines)
    table.caption_justify = "left"
    return table


def print_bench(doc: dict, console: Console | None = None) -> None:
    console = console or console_for_tables()
    for item in doc["inputs"]:
        console.print(input_table(item, doc["settings"]["runs"]))
    for s in doc["skipped"]:
        console.print(f"[yellow]not measured:[/yellow] {s['name']}: {s['reason']}")
    charts = doc["charts"]
    if charts["skipped"]:
        console.print(f"[yellow]chart skipped:[/yellow] {charts['skipped']}")
    for path in charts["files"]:
        console.print(f"chart: {path}")
