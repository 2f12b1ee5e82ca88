"""LLM calls and tokens of the llm and hybrid modes on a corpus, against the local fake OpenAI-compatible
server (started here), so it costs nothing and needs no key. Token counts are the fake's estimates
(characters / 3), good for comparing the modes, not for a bill.

python bench/llm_cost.py [CORPUS.jsonl | DIR | FILE.txt] [--limit N]     (default: examples/)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# The project root instead of bench/, whose modules (bench/http.py) would shadow the standard library's.
sys.path[0] = str(PROJECT)

from illustra_extractor.llm.cache import MemoryCache  # noqa: E402
from tests.llm.fake_openai_server import FakeOpenAIServer  # noqa: E402
from tests.llm.support import llm_engine, run_document  # noqa: E402
from tests.support import free_port  # noqa: E402


def load(source: Path) -> list[str]:
    if source.is_dir():
        return [path.read_text(encoding="utf-8") for path in sorted(source.glob("*.txt"))]
    if source.suffix == ".jsonl":
        lines = source.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["ocr_content"] for line in lines if line.strip()]
    return [source.read_text(encoding="utf-8")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", nargs="?", type=Path, default=PROJECT / "examples")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"no such corpus: {args.source}", file=sys.stderr)
        return 1
    texts = load(args.source)[: args.limit]
    server = FakeOpenAIServer(free_port()).start()
    try:
        print(f"{len(texts)} documents from {args.source}")
        print(
            f"{'mode':<8} {'calls':>7} {'prompt tok':>11} {'compl. tok':>11} {'stages w/o call':>16} {'seconds':>8}"
        )
        for mode in ("llm", "hybrid"):
            engine = llm_engine(server, mode=mode, cache=MemoryCache())
            calls = prompt = completion = silent = 0
            started = time.monotonic()
            for text in texts:
                run = run_document(engine, text)
                for report in run.reports.values():
                    calls += report.llm_calls
                    prompt += report.prompt_tokens
                    completion += report.completion_tokens
                    silent += report.llm_calls == 0
            elapsed = time.monotonic() - started
            print(
                f"{mode:<8} {calls:>7} {prompt:>11} {completion:>11} {silent:>10}/{3 * len(texts):<5} {elapsed:>8.1f}"
            )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
