"""Accuracy, silent errors and speed of the offline extractor on labelled corpora, scored as the corpus' own
score.py scores (figures per corpus and per family).

python bench/accuracy.py CORPUS.jsonl [CORPUS.jsonl …] [--family F] [--show-errors N]
python bench/accuracy.py CORPUS.jsonl --predictions OUT.jsonl   # score what `illustra extract --corpus` wrote

silent = wrong values returned with confidence >= 0.8 (which hybrid mode trusts) over all values returned:
basic fields, table cells and the scored summary fields.
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
from illustra_extractor.extraction.record import Extracted, corpus_record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--family", help="score only this layout family")
    parser.add_argument(
        "--show-errors", type=int, default=0, metavar="N", help="print the first N mismatches of each corpus"
    )
    parser.add_argument(
        "--predictions",
        type=Path,
        help="score this output of `illustra extract --corpus` (any mode) instead of running the rules",
    )
    args = parser.parse_args(argv)
    missing = [
        str(path) for path in [*args.corpus, args.predictions] if path is not None and not path.is_file()
    ]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    if args.predictions is not None and len(args.corpus) != 1:
        print("--predictions scores one corpus", file=sys.stderr)
        return 2
    predictions = None
    if args.predictions is not None:
        predictions = {record.get("id"): record for record in _read_jsonl(args.predictions)}
    for path in args.corpus:
        _score_corpus(path, args.family, args.show_errors, predictions)
    return 0


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _score_corpus(path: Path, family: str | None, show_errors: int, predictions: dict | None) -> None:
    documents = _read_jsonl(path)
    if family:
        documents = [doc for doc in documents if doc.get("family") == family]
    overall = Totals()
    by_family: dict[str, Totals] = {}
    timings: list[float] = []
    mismatches = []
    for doc in documents:
        if predictions is not None:
            got = predictions.get(doc["id"], {})
        else:
            started = time.perf_counter()
            basic, table, summary = extract_document(doc["ocr_content"])
            timings.append(time.perf_counter() - started)
            got = corpus_record(doc["id"], Extracted(basic, table, summary, ("rules", "rules", "rules")))
        score = score_document(doc["id"], doc["expected"], got)
        overall.add(score)
        by_family.setdefault(doc.get("family", "?"), Totals()).add(score)
        mismatches.extend(score.mismatches)
    print(f"{path}")
    header = (
        f"{'':<18}{'docs':>6}{'basic':>8}{'cells':>8}{'recall':>8}{'spur.':>7}{'summary':>9}{'full':>7}"
        f"{'silent':>9}"
    )
    print(header)
    for name, totals in [*sorted(by_family.items()), ("overall", overall)]:
        figures = totals.figures()
        print(
            f"{name:<18}{totals.documents:>6}{figures['basic']:>8.4f}{figures['cells']:>8.4f}"
            f"{figures['row_recall']:>8.4f}{int(figures['spurious_rows']):>7}{figures['summary']:>9.4f}"
            f"{figures['fully_correct']:>7.3f}{figures['silent_error_rate']:>9.2%}"
        )
    parts = overall.parts
    print(f"silent errors: {parts.silent_errors} of {parts.values_returned} values returned")
    if timings:
        print(
            f"speed: {len(timings) / sum(timings):.0f} documents/s, "
            f"median {statistics.median(timings) * 1000:.2f} ms, "
            f"max {max(timings) * 1000:.2f} ms per document"
        )
    for mismatch in mismatches[:show_errors]:
        print(f"  {mismatch.doc_id}  {mismatch.field}: expected {mismatch.expected!r}, got {mismatch.got!r}")
    print()


if __name__ == "__main__":
    sys.exit(main())
