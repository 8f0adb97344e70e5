"""The machine a run happened on, and the results as a Markdown (or reStructuredText) page."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .results import Results, Row, Series, startup_growth, targets

PACKAGES = [
    "flask-herogold-migrate",
    "Flask-Migrate",
    "alembic",
    "Flask",
    "Flask-SQLAlchemy",
    "SQLAlchemy",
    "sqlmodel",
    "psycopg",
]


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return "RAM unknown"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def machine(servers: list[str]) -> dict[str, str]:
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "Date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "Machine": f"{_cpu()}, {os.cpu_count()} cores, {_memory()}",
        "System": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Packages": ", ".join(versions),
        "Databases": "; ".join(servers),
        "Commit": _commit(),
    }


def _duration(seconds: float) -> str:
    if abs(seconds) >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms" if abs(seconds) >= 0.01 else f"{seconds * 1000:.2f} ms"


def figure(series: Series | None) -> str:
    if series is None:
        return "—"
    if len(series.values) == 1:
        return _duration(series.median)
    return f"{_duration(series.median)} ({_duration(series.low)} - {_duration(series.high)})"


def ratio(series: Series | None) -> str:
    if series is None:
        return "—"
    if len(series.values) == 1:
        return f"{series.median:.2f}"
    return f"{series.median:.2f} ({series.low:.2f} - {series.high:.2f})"


HEADER = (
    "Database",
    "N",
    "Measurement",
    "flask-herogold-migrate",
    "Flask-Migrate",
    "Floor",
    "us / peer",
    "us / floor",
)


def cells(row: Row) -> tuple[str, ...]:
    return (
        row.database,
        f"{row.n:,}",
        row.label,
        figure(row.ours),
        f"failed: {row.peer_failure}" if row.peer_failure else figure(row.peer),
        figure(row.floor),
        ratio(row.ratio_peer),
        ratio(row.ratio_floor),
    )


def markdown(results: Results, table_rows: list[Row], info: dict[str, str], note: str) -> str:
    lines = ["# Benchmark: flask-herogold-migrate against Flask-Migrate and the raw floor", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += ["", note, ""]
    lines.append("| " + " | ".join(HEADER) + " |")
    lines.append("|" + "|".join(" --- " for _ in HEADER) + "|")
    lines += ["| " + " | ".join(cells(row)) + " |" for row in table_rows]
    lines += ["", "## Targets", ""]
    lines += [f"- **{t.verdict}**: {t.name}: {t.detail}" for t in targets(results)]
    growth = startup_growth(results)
    if growth:
        lines += ["", "## Startup check against N", ""]
        lines += [f"- {line}" for line in growth]
    return "\n".join(lines) + "\n"


def rst_table(table_rows: list[Row]) -> str:
    """The same table as a reStructuredText ``list-table``, for docs/performance.rst."""
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 8 6 30 14 14 14 10 10",
        "",
    ]
    for row in [HEADER, *(cells(r) for r in table_rows)]:
        first, *rest = row
        lines.append(f"   * - {first}")
        lines += [f"     - {cell}" for cell in rest]
    return "\n".join(lines) + "\n"
