"""End-to-end benchmark of the pipeline: illustra against the Celery design it replaces, side by side.

Each system is started in turn (fresh throwaway database each repetition, same Redis, same PostgreSQL, same
cores), warmed up with a few documents, then measured:

1. throughput: ``--n`` corpus documents (cycled) are sent through ``POST /api/ocr/save/`` as fast as the
   producer can (aiohttp, ``--clients`` concurrent keep-alive connections); throughput is ``--n`` divided by the
   time from the first document's ``created_at`` to the last ``all_completed`` document's ``last_processed_at``,
   both read from the database (one clock, UTC). Completion is polled from the database in bulk, not by HTTP.
2. after ``--idle`` seconds of quiet: a steady ``--rate`` documents/s for ``--duration`` seconds; the latency of a
   document is its ``last_processed_at`` at ``all_completed`` minus the client-side UTC time its save was sent.

Prints one row per system (median [min-max] over ``--repeat`` repetitions), then, last, the ratios
``throughput_ratio_vs_celery`` and ``latency_p50_ratio_vs_celery`` (illustra / Celery).

``--baseline-python`` adds another build of illustra (``illustra@baseline``; numbered when there are several) to
each repetition, between illustra and Celery, with its throughput ratios to Celery and to illustra: a regression
between versions shows in one interleaved run rather than in runs hours apart on a noisy machine.

``--memory`` instead sends ``--n`` (default 10,000) documents through illustra only, with worker recycling off,
and reports the RSS of each extractor worker process after the warm-up and at the end (and its peak).

``--cpu`` instead sends ``--n`` (default 2,000) documents through illustra only and reports where the CPU went,
in milliseconds per document: each service's processes, the PostgreSQL sessions of its database and the server's
background processes, redis-server and this load generator (PostgreSQL and Redis on this machine), and the CPU
ceiling that makes on this machine's cores.

python bench/pipeline.py [CORPUS.jsonl] [--n 1000] [--repeat 3] [--only illustra|celery] [--rate 20]
    [--duration 10] [--python PATH] [--baseline-python PATH ...] [--env KEY=VALUE ...] [--memory | --cpu]
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
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import redis
from _infra import (
    DEFAULT_CORPUS,
    cpu_seconds,
    load_corpus,
    machine_cpu_ticks,
    median_range,
    percentile,
    process_tree,
    raise_on_sigterm,
    rss_kib,
    save_bodies,
)
from _systems import CeleryBaseline, Illustra, System

POLL_INTERVAL_S = 0.2
WARMUP_DOCUMENTS = 20


@dataclass
class Run:
    throughput: float = 0.0
    accept_rate: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    first_after_idle_ms: float = 0.0
    errors: int = 0


@dataclass
class Results:
    runs: dict[str, list[Run]] = field(default_factory=dict)


def epoch(timestamp: datetime) -> float:
    return timestamp.replace(tzinfo=UTC).timestamp()


async def save(session: aiohttp.ClientSession, url: str, body: bytes) -> int:
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as answer:
        payload = await answer.json(content_type=None)
        if answer.status != 200:
            raise RuntimeError(f"save answered {answer.status}: {payload}")
        return int(payload["document_id"])


async def send_burst(url: str, bodies: list[bytes], clients: int) -> list[int]:
    """Send every body as fast as ``clients`` concurrent connections allow; the document ids in order."""
    ids: list[int] = [0] * len(bodies)
    queue = iter(range(len(bodies)))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

        async def client() -> None:
            for index in queue:
                ids[index] = await save(session, url, bodies[index])

        await asyncio.gather(*(client() for _ in range(clients)))
    return ids


async def send_steady(url: str, bodies: list[bytes], rate: float) -> list[tuple[int, float]]:
    """Send one body every 1/``rate`` s on schedule; (document id, UTC send time) per body."""
    sent: list[tuple[int, float]] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def one(body: bytes) -> None:
            at = time.time()
            sent.append((await save(session, url, body), at))

        start = time.monotonic()
        tasks = []
        for index, body in enumerate(bodies):
            await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(body)))
        await asyncio.gather(*tasks)
    return sent


def wait_finished(system: System, ids: list[int], timeout: float) -> int:
    """Poll the database until every document is all_completed or error; the number of errors."""
    deadline = time.monotonic() + timeout
    while True:
        system.processes.check_alive()
        ((done, errors),) = system.database.query(
            f"SELECT count(*) FILTER (WHERE processing_stage = 'all_completed'),"
            f" count(*) FILTER (WHERE processing_stage = 'error') FROM {system.table} WHERE id = ANY(%s)",
            (ids,),
        )
        if done + errors >= len(ids):
            return errors
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{system.name}: {done + errors} of {len(ids)} documents finished in {timeout:g} s"
            )
        time.sleep(POLL_INTERVAL_S)


def measure_throughput(system: System, bodies: list[bytes], clients: int, run: Run) -> None:
    started = time.monotonic()
    ids = asyncio.run(send_burst(system.save_url, bodies, clients))
    run.accept_rate = len(ids) / (time.monotonic() - started)
    run.errors += wait_finished(system, ids, timeout=60 + len(ids) / 5)
    ((first, last),) = system.database.query(
        f"SELECT min(created_at), max(last_processed_at) FROM {system.table} WHERE id = ANY(%s)", (ids,)
    )
    run.throughput = len(ids) / (epoch(last) - epoch(first))


def measure_latency(system: System, bodies: list[bytes], rate: float, run: Run) -> None:
    sent = asyncio.run(send_steady(system.save_url, bodies, rate))
    ids = [document_id for document_id, _ in sent]
    run.errors += wait_finished(system, ids, timeout=60 + len(ids) / 5)
    finished = dict(
        system.database.query(
            f"SELECT id, last_processed_at FROM {system.table}"
            " WHERE id = ANY(%s) AND processing_stage = 'all_completed'",
            (ids,),
        )
    )
    latencies = [(epoch(finished[i]) - at) * 1000 for i, at in sent if i in finished]
    run.p50_ms = percentile(latencies, 0.50)
    run.p95_ms = percentile(latencies, 0.95)
    run.max_ms = max(latencies)
    first_id, first_at = min(sent, key=lambda pair: pair[1])
    run.first_after_idle_ms = (epoch(finished[first_id]) - first_at) * 1000 if first_id in finished else 0.0


def run_once(system: System, args: argparse.Namespace, corpus: list[dict]) -> Run:
    run = Run()
    system.start()
    try:
        warmup = asyncio.run(send_burst(system.save_url, save_bodies(corpus, WARMUP_DOCUMENTS), 4))
        wait_finished(system, warmup, timeout=120)
        measure_throughput(system, save_bodies(corpus, args.n), args.clients, run)
        time.sleep(args.idle)
        measure_latency(system, save_bodies(corpus, int(args.rate * args.duration)), args.rate, run)
    finally:
        system.stop()
    return run


def print_table(results: Results, args: argparse.Namespace) -> None:
    print(
        f"\n{args.n} documents as fast as possible ({args.clients} clients), then {args.rate:g}/s for "
        f"{args.duration:g} s after {args.idle:g} s idle; median [min-max] of {args.repeat}"
    )
    header = (
        "system",
        "docs/s end-to-end",
        "saves/s accepted",
        "p50 ms",
        "p95 ms",
        "max ms",
        "1st after idle ms",
        "errors",
    )
    rows = [header]
    for name, runs in results.runs.items():
        rows.append(
            (
                name,
                median_range([r.throughput for r in runs]),
                median_range([r.accept_rate for r in runs]),
                median_range([r.p50_ms for r in runs]),
                median_range([r.p95_ms for r in runs]),
                median_range([r.max_ms for r in runs], "{:.0f}"),
                median_range([r.first_after_idle_ms for r in runs], "{:.0f}"),
                str(sum(r.errors for r in runs)),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def measure_memory(args: argparse.Namespace, corpus: list[dict]) -> int:
    # No recycling (the product's WORKER_MAX_MESSAGES / WORKER_MAX_MEMORY_MIB), so one process sees every document.
    system = Illustra(args.python, {"WORKER_MAX_MESSAGES": "0", "WORKER_MAX_MEMORY_MIB": "0", **args.env})
    system.start()
    try:
        warmup = asyncio.run(send_burst(system.save_url, save_bodies(corpus, WARMUP_DOCUMENTS), 4))
        wait_finished(system, warmup, timeout=120)
        before = {pid: rss_kib(pid) for pid in system.worker_pids()}
        measure_throughput(system, save_bodies(corpus, args.n), args.clients, run := Run())
        after = {pid: rss_kib(pid) for pid in system.worker_pids()}
    finally:
        system.stop()
    print(
        f"\nillustra extractor worker processes, {args.n} documents at {run.throughput:.0f} docs/s"
        f" ({run.errors} errors)"
    )
    print("pid      RSS after warm-up  RSS after   peak RSS")
    for pid, (rss, peak) in after.items():
        print(
            f"{pid:<8} {before.get(pid, (0, 0))[0] / 1024:>13.1f} MiB {rss / 1024:>6.1f} MiB {peak / 1024:>6.1f} MiB"
        )
    print(f"worker_max_rss_mib={max(rss for rss, _ in after.values()) / 1024:.1f}")
    return 0


def _named(pids: list[int], command: str) -> list[int]:
    """Those of ``pids`` that are ``command`` processes on this machine (a server elsewhere has none here)."""
    found = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith(command):
                found.append(pid)
        except FileNotFoundError:
            continue
    return found


def cpu_groups(system: Illustra) -> dict[str, list[int]]:
    groups = {name: process_tree(process.pid) for name, process in system.processes.processes.items()}
    sessions = system.database.query(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    background = system.database.query(
        "SELECT pid FROM pg_stat_activity WHERE backend_type <> 'client backend'"
    )
    groups["postgresql sessions"] = _named([pid for (pid,) in sessions], "postgres")
    groups["postgresql background"] = _named([pid for (pid,) in background], "postgres")
    server_pid = redis.Redis.from_url(system.redis_url).info("server")["process_id"]
    groups["redis-server"] = _named([int(server_pid)], "redis-server")
    groups["load generator"] = [os.getpid()]
    return groups


def measure_cpu(args: argparse.Namespace, corpus: list[dict]) -> int:
    system = Illustra(args.python, args.env)
    system.start()
    try:
        warmup = asyncio.run(send_burst(system.save_url, save_bodies(corpus, WARMUP_DOCUMENTS), 4))
        wait_finished(system, warmup, timeout=120)
        before = {pid: cpu_seconds(pid) for pids in cpu_groups(system).values() for pid in pids}
        busy_before, total_before = machine_cpu_ticks()
        measure_throughput(system, save_bodies(corpus, args.n), args.clients, run := Run())
        busy_after, total_after = machine_cpu_ticks()
        # Taken again: a session opened during the run counts whole.
        used = {
            name: sum(cpu_seconds(pid) - before.get(pid, 0.0) for pid in pids)
            for name, pids in cpu_groups(system).items()
        }
    finally:
        system.stop()
    cores = os.cpu_count() or 1
    busy = (busy_after - busy_before) / (total_after - total_before)
    print(
        f"\nillustra, {args.n} documents at {run.throughput:.1f} docs/s ({run.errors} errors); "
        f"the machine was {busy:.0%} busy"
    )
    print("CPU ms per document")
    for name, seconds in used.items():
        print(f"  {name:<22} {seconds * 1000 / args.n:6.2f}")
    per_document_ms = sum(used.values()) * 1000 / args.n
    print(f"  {'total':<22} {per_document_ms:6.2f}")
    print(f"cpu_ceiling_docs_per_s={cores * 1000 / per_document_ms:.0f}  (on {cores} cores)")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpus", type=Path, nargs="?", default=DEFAULT_CORPUS, help="JSON lines with ocr_content"
    )
    parser.add_argument(
        "--n",
        type=int,
        help="documents in the throughput phase (default 1000; 10000 with --memory, 2000 with --cpu)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("illustra", "celery"))
    parser.add_argument("--rate", type=float, default=20.0, help="documents per second in the latency phase")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the latency phase")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of quiet before the latency phase")
    parser.add_argument(
        "--clients", type=int, default=16, help="concurrent connections in the throughput phase"
    )
    parser.add_argument("--python", default=sys.executable, help="the Python that runs illustra's processes")
    parser.add_argument(
        "--baseline-python",
        action="append",
        default=[],
        metavar="PATH",
        help="the Python of another illustra build, run in the same repetitions (repeatable)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment of illustra's processes",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--memory", action="store_true", help="report the extractor's RSS after --n documents")
    mode.add_argument(
        "--cpu", action="store_true", help="report the CPU per document of every process, illustra only"
    )
    args = parser.parse_args(argv)
    args.n = args.n or (10_000 if args.memory else 2_000 if args.cpu else 1_000)
    args.env = dict(item.split("=", 1) for item in args.env)
    if not args.corpus.is_file():
        parser.error(f"no such corpus file: {args.corpus}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_on_sigterm()
    corpus = load_corpus(args.corpus)
    if args.memory:
        return measure_memory(args, corpus)
    if args.cpu:
        return measure_cpu(args, corpus)
    systems: dict[str, Callable[[], System]] = {"illustra": lambda: Illustra(args.python, args.env)}
    for number, python in enumerate(args.baseline_python, 1):
        name = "illustra@baseline" + (str(number) if len(args.baseline_python) > 1 else "")
        print(f"{name}: {python}")
        systems[name] = lambda python=python, name=name: Illustra(python, args.env, name=name)
    systems["celery"] = CeleryBaseline
    if args.only:
        systems = {name: start for name, start in systems.items() if name.startswith(args.only)}
    results = Results({name: [] for name in systems})
    for repetition in range(1, args.repeat + 1):
        for name, system in systems.items():
            run = run_once(system(), args, corpus)
            results.runs[name].append(run)
            print(
                f"[{repetition}/{args.repeat}] {name}: {run.throughput:.1f} docs/s, p50 {run.p50_ms:.0f} ms, "
                f"p95 {run.p95_ms:.0f} ms, first after idle {run.first_after_idle_ms:.0f} ms, {run.errors} errors",
                flush=True,
            )
    print_table(results, args)
    throughput = {name: statistics.median(r.throughput for r in runs) for name, runs in results.runs.items()}
    for name in [name for name in results.runs if name not in ("illustra", "celery")]:
        if "illustra" in throughput:
            print(f"{name} throughput_ratio_vs_illustra={throughput[name] / throughput['illustra']:.3f}")
        if "celery" in throughput:
            print(f"{name} throughput_ratio_vs_celery={throughput[name] / throughput['celery']:.2f}")
    if "illustra" in results.runs and "celery" in results.runs:
        illustra, celery = results.runs["illustra"], results.runs["celery"]
        latency = statistics.median(r.p50_ms for r in illustra) / statistics.median(r.p50_ms for r in celery)
        print(f"throughput_ratio_vs_celery={throughput['illustra'] / throughput['celery']:.2f}")
        print(f"latency_p50_ratio_vs_celery={latency:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
