"""What the llm and hybrid modes store when the model answers right: both run against the tests' fake
OpenAI-compatible server answering as an oracle from the corpus file's own answers (started here; no key, no
cost), and are scored by the corpus's reference scorer (score.py beside the corpus, or in a sibling corpus/).
Personal data is masked before it is sent, as deployed. Each document is then run a second time: a repeat of
the same text must cost no call.

python bench/oracle.py CORPUS.jsonl [--scorer score.py] [--limit N] [--show-errors N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

PROJECT = Path(__file__).resolve().parent.parent
# The project root instead of bench/, whose modules (bench/http.py) would shadow the standard library's.
sys.path[0] = str(PROJECT)

from illustra_extractor.llm.cache import MemoryCache  # noqa: E402
from tests.llm.fake_openai_server import FakeOpenAIServer  # noqa: E402
from tests.llm.support import llm_engine, run_document  # noqa: E402
from tests.support import free_port  # noqa: E402


def find_scorer(corpus: Path) -> Path | None:
    for candidate in (corpus.parent / "score.py", corpus.parent.parent / "corpus" / "score.py"):
        if candidate.is_file():
            return candidate
    return None


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("corpus_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--scorer", type=Path, help="the reference score.py (default: found beside the corpus)"
    )
    parser.add_argument("--limit", type=int, help="only the first N documents")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="list N documents not right")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"no such corpus file: {args.corpus}", file=sys.stderr)
        return 1
    scorer_path = args.scorer or find_scorer(args.corpus)
    if scorer_path is None:
        print("no score.py beside the corpus: pass --scorer", file=sys.stderr)
        return 1
    scorer = load_scorer(scorer_path)
    lines = args.corpus.read_text(encoding="utf-8").splitlines()
    documents = [json.loads(line) for line in lines if line.strip()][: args.limit]
    server = FakeOpenAIServer(free_port()).start()
    try:
        server.script(default={"kind": "oracle", "corpus": str(args.corpus.resolve())})
        print(f"{len(documents)} documents from {args.corpus}, scored by {scorer_path}")
        print(
            f"{'mode':<8} {'fully correct':>14} {'cells':>8} {'basic':>8} {'calls/doc':>10}"
            f" {'tokens/doc':>11} {'repeat calls':>13}"
        )
        for mode in ("llm", "hybrid"):
            engine = llm_engine(server, mode=mode, cache=MemoryCache(), LLM_MASK_PII="1")
            full = cells_ok = cells_n = basic_ok = basic_n = calls = tokens = repeat_calls = 0
            wrong = []
            for document in documents:
                run = run_document(engine, document["ocr_content"])
                calls += run.calls
                tokens += sum(r.prompt_tokens + r.completion_tokens for r in run.reports.values())
                got = {
                    "basic_info": run.basic.values(),
                    "value_table": run.table.values(),
                    "summary": run.summary.values(),
                }
                score = scorer.score_doc(document["expected"], got)
                full += score["full"]
                cells_ok, cells_n = cells_ok + score["cells_ok"], cells_n + score["cells_n"]
                basic_ok, basic_n = basic_ok + score["basic_ok"], basic_n + score["basic_n"]
                if not score["full"]:
                    wrong.append((document["id"], score))
                repeat_calls += run_document(engine, document["ocr_content"]).calls
            count = max(1, len(documents))
            print(
                f"{mode:<8} {full / count:>14.3f} {cells_ok / max(1, cells_n):>8.4f}"
                f" {basic_ok / max(1, basic_n):>8.4f} {calls / count:>10.2f} {tokens / count:>11.0f}"
                f" {repeat_calls:>13}"
            )
            for doc_id, score in wrong[: args.show_errors]:
                print(
                    f"  {doc_id}: basic wrong {score['basic_wrong']}, cells {score['cells_ok']}/"
                    f"{score['cells_n']} ({score['rows_spurious']} spurious rows), dates wrong"
                    f" {score['dates_wrong']}"
                )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
