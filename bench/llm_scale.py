"""Production mode at scale: one extractor pod (``illustra worker`` with its default settings, EXTRACTOR_MODE=llm)
against a stand-in model that answers after ``--latency`` seconds a call (plus ``--token-s`` per output token),
with ``--n`` documents submitted at once; then the same against the Celery design's shape (``bench/celery_baseline``:
4 prefork processes, each task asking the model once while it holds its own connection).

Prints per system: documents/s (first save to last all_completed, from the database), model calls per document,
model calls in flight (the most the stand-in saw at once, and the mean over the middle of the run), PostgreSQL
connections the extractor held (most, sampled every 0.25 s from pg_stat_activity), extractor RSS (every process of
it, most and at the end), and (calls in flight) / (latency x calls per document), the throughput those calls in
flight allow, beside the measured one; last, illustra's documents/s over Celery's.

Every document is a corpus text made unique (a line with its number appended), so that no reply comes from the
cache. ``--only illustra --n 10000 --latency 0.5`` shows the extractor's memory over a long run: the RSS (and how
much of it is anonymous memory, the heap, rather than mapped files) is also printed after every ``--rss-every``
documents (a tenth of them by default), with its growth at each step and the slope of a line fitted to the last
half of the run: MiB per 1,000 documents, about 0 when the memory is flat. ``--memprobe DIR`` has every extractor
process write what its memory is made of to DIR (``bench/memprobe/sitecustomize.py`` says what and how).

python bench/llm_scale.py [CORPUS.jsonl] [--n 600] [--latency 2] [--token-s 0] [--celery-n N]
    [--only illustra|celery] [--env KEY=VALUE ...] [--rss-every N] [--memprobe DIR]
"""

# ruff: noqa: E402 (the imports must follow the sys.path fix below)
from __future__ import annotations

import os
import sys

# Python puts bench/ first on sys.path, where bench/http.py would shadow the standard library's http: move it last.
_BENCH = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != _BENCH] + [_BENCH]

import argparse
import asyncio
import itertools
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from _infra import (
    DEFAULT_CORPUS,
    anonymous_kib,
    free_port,
    load_corpus,
    process_tree,
    raise_on_sigterm,
    rss_kib,
)
from _systems import CeleryBaseline, Illustra, System
from pipeline import epoch, send_burst

from tests.llm.fake_openai_server import FakeOpenAIServer

# The extractor's connections carry this name, so they are told from the gateway's and the status service's.
EXTRACTOR_APPLICATION = "illustra-bench-extractor"
SAMPLE_INTERVAL_S = 0.25


@dataclass
class Samples:
    """What a sampler thread sees while the documents go through."""

    # (time.time(), model calls in flight)
    in_flight: list[tuple[float, int]] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    # CPU seconds of the extractor's processes (and of those it has reaped) at the first and the last sample;
    # of the stand-in model, and of the rest of the system, which share the machine's cores with it.
    cpu_s: list[float] = field(default_factory=list)
    stand_in_cpu_s: list[float] = field(default_factory=list)
    stack_cpu_s: list[float] = field(default_factory=list)
    # (documents finished, RSS MiB, anonymous MiB) after each ``--rss-every`` documents.
    rss_by_progress: list[tuple[int, float, float]] = field(default_factory=list)


@dataclass
class Result:
    name: str
    documents: int
    errors: int
    throughput: float
    calls_per_document: float
    samples: Samples

    # The mean of the model calls in flight over the middle three fifths of the run (from the first save to the
    # last completion), without the start (the first stages all at once) and the end (the last documents' last
    # stages, with fewer and fewer calls in flight). Documents go through in waves (a stage's calls end together),
    # so throughput is measured over the whole run.
    steady_in_flight: float = 0.0

    @property
    def max_in_flight(self) -> int:
        return max((n for _, n in self.samples.in_flight), default=0)


def unique_bodies(corpus: list[dict], count: int) -> list[bytes]:
    return [
        json.dumps(
            {
                "file_name": corpus[i % len(corpus)]["file_name"],
                "ocr_content": f"{corpus[i % len(corpus)]['ocr_content']}\n(bench copy {i})",
                "user_id": 1 + i % 50,
            },
            ensure_ascii=False,
        ).encode()
        for i in range(count)
    ]


def extractor_pids(system: System) -> list[int]:
    """The extractor's processes (its supervisor and their children, which come and go)."""
    for _ in range(10):
        try:
            return process_tree(system.processes.processes["worker"].pid)
        except FileNotFoundError:  # a process ended while the tree was read: read it again
            continue
    return []


def extractor_rss_mib(system: System, kib=lambda pid: rss_kib(pid)[0]) -> float:
    total = 0
    for pid in extractor_pids(system):
        try:
            total += kib(pid)
        except (FileNotFoundError, ProcessLookupError, KeyError):  # gone, or a zombie (no VmRSS)
            continue
    return total / 1024


def cpu_s(pids: list[int]) -> float:
    """User and system CPU of these processes, with what the children they reaped used (Celery replaces its
    processes every 50 tasks)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def stack_pids(system: System) -> list[int]:
    """The system's other processes (gateway and status, or Celery's web app): not the extractor."""
    pids = []
    for name, process in system.processes.processes.items():
        if name != "worker":
            try:
                pids.extend(process_tree(process.pid))
            except FileNotFoundError:
                continue
    return pids


def finished(system: System, ids: list[int]) -> tuple[int, int]:
    ((done, errors),) = system.database.query(
        f"SELECT count(*) FILTER (WHERE processing_stage = 'all_completed'),"
        f" count(*) FILTER (WHERE processing_stage = 'error') FROM {system.table} WHERE id = ANY(%s)",
        (ids,),
    )
    return done, errors


def held_connections(system: System, application: str | None) -> int:
    """The connections to the system's database but the bench's own (of one application when named)."""
    ((count,),) = system.database.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        " AND (%s IS NULL OR application_name = %s)",
        (system.database.name, application, application),
    )
    return count


def run(
    system: System,
    fake: FakeOpenAIServer,
    pace: dict[str, float],
    bodies: list[bytes],
    application: str | None,
    rss_every: int,
) -> Result:
    samples = Samples()
    stand_in = [fake.process.pid] if fake.process is not None else []
    stop = threading.Event()
    ids: list[int] = []

    def sample() -> None:
        next_report = rss_every
        while not stop.wait(SAMPLE_INTERVAL_S):
            try:
                samples.in_flight.append((time.time(), fake.stats()["in_flight"]))
            except requests.RequestException:  # the stand-in busy with hundreds of calls: the next sample
                continue
            samples.connections.append(held_connections(system, application))
            samples.rss_mib.append(extractor_rss_mib(system))
            samples.cpu_s[1:] = [cpu_s(extractor_pids(system))]
            samples.stand_in_cpu_s[1:] = [cpu_s(stand_in)]
            samples.stack_cpu_s[1:] = [cpu_s(stack_pids(system))]
            if ids:
                done = sum(finished(system, ids))
                if done >= next_report:
                    anonymous = extractor_rss_mib(system, anonymous_kib)
                    print(
                        f"  {done} documents: RSS {samples.rss_mib[-1]:.0f} MiB, anonymous {anonymous:.0f} MiB",
                        file=sys.stderr,
                        flush=True,
                    )
                    samples.rss_by_progress.append((done, samples.rss_mib[-1], anonymous))
                    next_report += (done - next_report) // rss_every * rss_every + rss_every

    fake.script(latency=pace, record=False)  # its counts start again
    samples.cpu_s.append(cpu_s(extractor_pids(system)))
    samples.stand_in_cpu_s.append(cpu_s(stand_in))
    samples.stack_cpu_s.append(cpu_s(stack_pids(system)))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        ids.extend(asyncio.run(send_burst(system.save_url, bodies, 16)))
        while True:
            system.processes.check_alive()
            done, errors = finished(system, ids)
            if done + errors >= len(ids):
                break
            time.sleep(0.5)
    finally:
        stop.set()
        sampler.join()
    if samples.rss_by_progress and samples.rss_by_progress[-1][0] < len(ids):  # and at the end
        rss, anonymous = extractor_rss_mib(system), extractor_rss_mib(system, anonymous_kib)
        samples.rss_by_progress.append((len(ids), rss, anonymous))
    ((first, last),) = system.database.query(
        f"SELECT min(created_at), max(last_processed_at) FROM {system.table} WHERE id = ANY(%s)", (ids,)
    )
    result = Result(
        system.name,
        len(ids),
        errors,
        len(ids) / (epoch(last) - epoch(first)),
        fake.stats()["answered"] / len(ids),
        samples,
    )
    start = epoch(first) + 0.2 * (epoch(last) - epoch(first))
    end = epoch(last) - 0.2 * (epoch(last) - epoch(first))
    in_flight = [n for at, n in samples.in_flight if start <= at <= end]
    result.steady_in_flight = statistics.mean(in_flight) if in_flight else 0.0
    return result


def run_illustra(
    fake: FakeOpenAIServer,
    pace: dict[str, float],
    bodies: list[bytes],
    extra_env: dict[str, str],
    rss_every: int,
) -> Result:
    env = {
        "EXTRACTOR_MODE": "llm",
        "LLM_API_KEY": "sk-bench",
        "LLM_BASE_URL": fake.base_url,
        # Memory is measured over the whole run: no process is replaced on the way.
        "WORKER_MAX_MESSAGES": "0",
        "WORKER_MAX_MEMORY_MIB": "0",
        **extra_env,
    }
    system = Illustra(extra_env=env)
    try:
        system.start(worker=False)
        system.processes.start(
            "worker", system._illustra("worker"), {**system.env, "PGAPPNAME": EXTRACTOR_APPLICATION}
        )
        return run(system, fake, pace, bodies, EXTRACTOR_APPLICATION, rss_every)
    finally:
        system.stop()


def run_celery(fake: FakeOpenAIServer, pace: dict[str, float], bodies: list[bytes]) -> Result:
    system = CeleryBaseline()
    system.env["CELERY_BASELINE_LLM_BASE_URL"] = fake.base_url
    try:
        system.start()
        return run(system, fake, pace, bodies, None, len(bodies) // 10 or 1)
    finally:
        system.stop()


def _per_document(seconds: list[float], result: Result) -> str:
    return f"{1000 * (seconds[-1] - seconds[0]) / result.documents:.0f}"


def report(result: Result, latency: float) -> None:
    samples = result.samples
    print(
        f"{result.name}: {result.documents} documents ({result.errors} in error), "
        f"{result.throughput:.2f} documents/s, {result.calls_per_document:.2f} model calls a document"
    )
    print(
        f"  model calls in flight: most {result.max_in_flight}; "
        f"PostgreSQL connections held: most {max(samples.connections, default=0)}; "
        f"extractor RSS: most {max(samples.rss_mib, default=0):.0f} MiB, "
        f"at the end {samples.rss_mib[-1] if samples.rss_mib else 0:.0f} MiB; "
        f"extractor CPU: {_per_document(samples.cpu_s, result)} ms a document"
    )
    print(
        "  beside it on the same cores, CPU a document: the stand-in model"
        f" {_per_document(samples.stand_in_cpu_s, result)} ms, the system's other processes (web, status)"
        f" {_per_document(samples.stack_cpu_s, result)} ms"
    )
    if result.steady_in_flight:
        expected = result.steady_in_flight / (latency * result.calls_per_document)
        print(
            f"  model calls in flight in the middle of the run: {result.steady_in_flight:.0f} on average;"
            f" (calls in flight) / (latency x calls a document) = {expected:.2f} documents/s;"
            f" measured / that = {result.throughput / expected:.2f}"
        )
    if samples.rss_by_progress:
        print(
            "  RSS by documents finished: "
            + ", ".join(f"{done}: {mib:.0f} MiB" for done, mib, _ in samples.rss_by_progress)
        )
        print(
            "  of it anonymous (heap): "
            + ", ".join(f"{done}: {anonymous:.0f} MiB" for done, _, anonymous in samples.rss_by_progress)
        )
        steps = itertools.pairwise(samples.rss_by_progress)
        print("  growth at each step: " + ", ".join(f"{b[1] - a[1]:+.0f}" for a, b in steps) + " MiB")
        last_half = [point for point in samples.rss_by_progress if point[0] >= result.documents / 2]
        if len(last_half) >= 2:
            done = [point[0] / 1000 for point in last_half]
            rss = statistics.linear_regression(done, [point[1] for point in last_half]).slope
            anonymous = statistics.linear_regression(done, [point[2] for point in last_half]).slope
            print(
                f"  RSS slope over the last half ({last_half[0][0]} to {last_half[-1][0]} documents):"
                f" {rss:+.2f} MiB per 1,000 documents (anonymous {anonymous:+.2f})"
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=600, help="documents sent to illustra at once")
    parser.add_argument("--celery-n", type=int, help="documents for Celery (default: about a minute's worth)")
    parser.add_argument("--latency", type=float, default=2.0, help="seconds the stand-in model takes a call")
    parser.add_argument("--token-s", type=float, default=0.0, help="and seconds per output token")
    parser.add_argument("--only", choices=("illustra", "celery"))
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="for the extractor")
    parser.add_argument(
        "--rss-every", type=int, help="documents between RSS reports (default: a tenth of --n)"
    )
    parser.add_argument("--memprobe", type=Path, metavar="DIR", help="extractor processes report memory here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_on_sigterm()
    corpus = load_corpus(args.corpus)
    extra_env = dict(item.split("=", 1) for item in args.env)
    if args.memprobe:
        extra_env["MEMPROBE_DIR"] = str(args.memprobe.resolve())
        extra_env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [os.path.join(_BENCH, "memprobe"), extra_env.get("PYTHONPATH")])
        )
    # Four processes, three calls a document: about a minute of Celery's time, and no fewer than 8 documents.
    celery_n = args.celery_n or max(8, round(60 * 4 / (3 * args.latency)))
    fake = FakeOpenAIServer(free_port()).start()
    results = {}
    try:
        pace = {"call_s": args.latency, "token_s": args.token_s}
        print(f"stand-in model: {args.latency:g} s a call + {args.token_s:g} s an output token")
        if args.only in (None, "illustra"):
            results["illustra"] = run_illustra(
                fake, pace, unique_bodies(corpus, args.n), extra_env, args.rss_every or args.n // 10 or 1
            )
            report(results["illustra"], args.latency)
        if args.only in (None, "celery"):
            results["celery"] = run_celery(fake, pace, unique_bodies(corpus, celery_n))
            report(results["celery"], args.latency)
    finally:
        fake.stop()
    if len(results) == 2:
        print(
            f"throughput_ratio_vs_celery={results['illustra'].throughput / results['celery'].throughput:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
