"""`illustra extract`: run the offline extractor on a corpus file or on one OCR text file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from illustra_shared.errors import ConfigurationError, StageFailed
from illustra_shared.lifecycle import StageReport
from illustra_shared.settings import Settings

from .engines import MODES, StageEngine, create_engine
from .extraction.record import Extracted, corpus_record
from .llm.cache import MemoryCache


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, help="one OCR text file; its result is printed as JSON")
    parser.add_argument("--corpus", type=Path, help="JSONL corpus with an `ocr_content` per line")
    parser.add_argument("--out", type=Path, help="where to write one result per corpus line (JSONL)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="rules",
        help="extraction mode; llm and hybrid read LLM_API_KEY, LLM_BASE_URL, LLM_MODEL… as the worker does",
    )


def run(args: argparse.Namespace) -> int:
    try:
        # No database here: replies are cached for this run only.
        engine = create_engine(args.mode, Settings.from_env(), cache=MemoryCache())
    except ConfigurationError as error:
        print(f"extract: {error}", file=sys.stderr)
        return 2
    if args.corpus is not None and args.out is None:
        print("extract: --corpus needs --out", file=sys.stderr)
        return 2
    path = args.corpus if args.corpus is not None else args.file
    if path is None:
        print("extract: give a text FILE or --corpus IN.jsonl --out OUT.jsonl", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"extract: no such file: {path}", file=sys.stderr)
        return 1
    return _run_corpus(engine, path, args.out) if args.corpus is not None else _run_file(engine, path)


def _extract(engine: StageEngine, text: str) -> Extracted:
    basic_report, table_report, summary_report = StageReport(), StageReport(), StageReport()
    basic = engine.basic_info(text, basic_report)
    table = engine.value_table(text, basic, table_report)
    summary = engine.summary(text, basic, table, summary_report)
    extractors = (basic_report.extractor, table_report.extractor, summary_report.extractor)
    return Extracted(basic, table, summary, extractors)


def _run_file(engine: StageEngine, path: Path) -> int:
    try:
        extracted = _extract(engine, path.read_text(encoding="utf-8"))
    except StageFailed as error:  # past a limit of what extraction accepts
        print(f"extract: {path}: {error}", file=sys.stderr)
        return 1
    result = {
        "basic_info": extracted.basic.to_json(),
        "value_table": extracted.table.to_json(),
        "summary": extracted.summary.to_json(),
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _run_corpus(engine: StageEngine, corpus: Path, out: Path) -> int:
    lines = [line for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for done, line in enumerate(lines, start=1):
            document = json.loads(line)
            record = corpus_record(document.get("id"), _extract(engine, document["ocr_content"]))
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
            filled = 30 * done // len(lines)  # of a progress bar 30 characters wide
            sys.stderr.write(f"\rextract [{'#' * filled}{'.' * (30 - filled)}] {done}/{len(lines)}")
            sys.stderr.flush()
    sys.stderr.write("\n")
    return 0
