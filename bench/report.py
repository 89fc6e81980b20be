"""The table: for each row and each side, the median of the repeated runs with their spread
(min–max), and the ratios of the first side ("here") to each other one (the baseline, the
peers)."""

from __future__ import annotations

from statistics import median

from .load import Run


def _spread(values: list[float], digits: int) -> str:
    middle = f"{median(values):,.{digits}f}"
    if len(values) < 2:
        return middle
    return f"{middle} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


def _ratio(side: list[Run], first: list[Run]) -> str:
    rate = median(r.rate for r in first) / median(r.rate for r in side)
    cpu = median(r.cpu_ms for r in first) / median(r.cpu_ms for r in side)
    return f"{rate:.2f} / {cpu:.2f}"


def table(results: dict[str, dict[str, list[Run]]], notes: dict[str, str]) -> str:
    """Markdown: row | side | rate/s | p50 ms | p99 ms | CPU ms per request | ratios | note.

    The ratios compare the row's first side ("here") with each other side: its rate divided
    by theirs, then its CPU per request divided by theirs."""
    lines = ["| work | side | rate/s | p50 ms | p99 ms | CPU ms/request | here ÷ this: rate / "
             "CPU | failures | note |", "|---|---|---|---|---|---|---|---|---|"]
    for row, sides in results.items():
        first = next(iter(sides.values()))
        for index, (side, runs) in enumerate(sides.items()):
            if not runs:
                continue
            lines.append(" | ".join([
                f"| {row if index == 0 else ''}", side,
                _spread([r.rate for r in runs], 1), _spread([r.p50_ms for r in runs], 1),
                _spread([r.p99_ms for r in runs], 1), _spread([r.cpu_ms for r in runs], 2),
                _ratio(runs, first) if index else "", str(sum(r.failures for r in runs)),
                notes.get(f"{row}/{side}", "") + " |"]))
    return "\n".join(lines)


def memory_table(memory: dict[str, list[tuple[float, float]]]) -> str:
    """Markdown: process | RSS MB | private MB, one line per process measured after the load."""
    lines = ["| process | RSS MB | private MB |", "|---|---|---|"]
    for name, readings in memory.items():
        for number, (rss, private) in enumerate(readings, 1):
            label = f"{name} #{number}" if len(readings) > 1 else name
            lines.append(f"| {label} | {rss:.0f} | {private:.0f} |")
    return "\n".join(lines)
