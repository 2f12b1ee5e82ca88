"""Each extractor process's memory over time from the reports ``sitecustomize`` wrote to DIR, side by side: RSS and
anonymous MiB per report, what malloc_trim gave back (when it ran), tracemalloc's traced MiB, glibc's MiB in use
and free, Python's allocated blocks, and the slope of RSS over the second half of the reports, MiB per 10 minutes.

python bench/memprobe/series.py DIR"""

from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

_REPORT = re.compile(r"--- t=(\d+)s(?: at (\S+))?")
_RSS = re.compile(r"rss=([\d.]+) MiB anon=([\d.]+) MiB")
_TRIM = re.compile(r"malloc_trim gave back ([\d.]+) MiB")  # and the time it took
_TRACED = re.compile(r"tracemalloc current=([\d.]+) MiB")
_GLIBC = re.compile(r"glibc arenas=[\d.]+ MiB in use=([\d.]+) MiB free=([\d.]+) MiB .* python blocks=(\d+)")


def read(path: Path) -> list[dict[str, float | str]]:
    reports: list[dict[str, float | str]] = []
    for line in path.read_text().splitlines():
        if found := _REPORT.match(line):
            reports.append({"t": float(found[1]), "clock": found[2] or f"t={found[1]}s"})
        elif reports and (found := _RSS.match(line)):
            reports[-1].update(rss=float(found[1]), anon=float(found[2]))
        elif reports and (found := _TRIM.match(line)):
            reports[-1]["trimmed"] = float(found[1])
        elif reports and (found := _TRACED.match(line)):
            reports[-1]["traced"] = float(found[1])
        elif reports and (found := _GLIBC.match(line)):
            reports[-1].update(glibc_in_use=float(found[1]), glibc_free=float(found[2]), blocks=int(found[3]))
    return [report for report in reports if "rss" in report]


def main(directory: str) -> None:
    for path in sorted(Path(directory).glob("*.log")):
        reports = read(path)
        if not reports:
            continue
        print(f"process {path.stem}:")
        for report in reports:
            extra = "".join(
                f" {name} {report[key]:.1f}"
                for key, name in (
                    ("trimmed", "trim gave back"),
                    ("traced", "traced"),
                    ("glibc_in_use", "glibc in use"),
                    ("glibc_free", "glibc free"),
                )
                if key in report
            )
            blocks = f" python blocks {report['blocks']}" if "blocks" in report else ""
            print(f"  {report['clock']} rss {report['rss']:.1f} anon {report['anon']:.1f}{extra}{blocks}")
        half = reports[len(reports) // 2 :]
        if len(half) >= 2:
            slope = statistics.linear_regression(
                [float(r["t"]) for r in half], [float(r["rss"]) for r in half]
            )
            print(f"  RSS slope over the second half: {slope.slope * 600:+.2f} MiB per 10 minutes")


if __name__ == "__main__":
    main(sys.argv[1])
