"""Accuracy and speed of the offline extractor on a labelled corpus.

python bench/accuracy.py CORPUS.jsonl [--family F] [--show-errors N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scoring import Totals, score_document

from illustra_extractor.extraction import extract_document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--family", help="score only this layout family")
    parser.add_argument(
        "--show-errors", type=int, default=0, metavar="N", help="print the first N mismatches"
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"no such corpus file: {args.corpus}", file=sys.stderr)
        return 1
    documents = [
        json.loads(line) for line in args.corpus.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if args.family:
        documents = [doc for doc in documents if doc.get("family") == args.family]
    overall = Totals()
    by_family: dict[str, Totals] = {}
    timings: list[float] = []
    mismatches = []
    for doc in documents:
        started = time.perf_counter()
        basic, table, summary = extract_document(doc["ocr_content"])
        timings.append(time.perf_counter() - started)
        got = {"basic_info": basic.values(), "value_table": table.values(), "summary": summary.values()}
        score = score_document(doc["id"], doc["expected"], got)
        overall.add(score)
        by_family.setdefault(doc.get("family", "?"), Totals()).add(score)
        mismatches.extend(score.mismatches)
    header = f"{'':<12}{'docs':>6}{'basic':>8}{'cells':>8}{'recall':>8}{'spur.':>7}{'summary':>9}{'full':>7}"
    print(header)
    for name, totals in [*sorted(by_family.items()), ("overall", overall)]:
        figures = totals.figures()
        print(
            f"{name:<12}{totals.documents:>6}{figures['basic']:>8.4f}{figures['cells']:>8.4f}"
            f"{figures['row_recall']:>8.4f}{int(figures['spurious_rows']):>7}{figures['summary']:>9.4f}"
            f"{figures['fully_correct']:>7.3f}"
        )
    if timings:
        print(
            f"speed: {len(timings) / sum(timings):.0f} documents/s, "
            f"median {statistics.median(timings) * 1000:.2f} ms, "
            f"max {max(timings) * 1000:.2f} ms per document"
        )
    for mismatch in mismatches[: args.show_errors]:
        print(f"  {mismatch.doc_id}  {mismatch.field}: expected {mismatch.expected!r}, got {mismatch.got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
