"""Soak under faults: a steady stream of documents through the whole illustra stack for a few minutes while
faults are injected, then the count of what became of every accepted document.

Faults, in turn, every ``--fault-every`` seconds: SIGKILL one extractor worker process (its supervisor replaces
it; its in-flight stage is taken over once its lease runs out), SIGKILL the whole extractor and start it again,
restart Redis empty (the stack runs on a private Redis so the machine's is untouched; queued messages are lost
and the reconciler must re-enqueue). At the end the bench waits for the pipeline to drain and prints:

    accepted    documents the gateway answered 200 for
    completed   all_completed
    errored     error (with their messages)
    lost        accepted but neither completed nor errored by the deadline
    duplicated  documents with more than one successful attempt of a stage or a repeated table row

Usage: python bench/soak.py [CORPUS.jsonl] [--minutes 3] [--rate 10] [--fault-every 20]
"""

# ruff: noqa: E402 - bench/ goes last on sys.path first, so that bench/http.py cannot shadow the standard library

from __future__ import annotations

import os
import sys

# Python puts bench/ first on sys.path, where bench/http.py would shadow the standard library's http: move it last.
_BENCH = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != _BENCH] + [_BENCH]

import argparse
import itertools
import signal
import time
from pathlib import Path

import requests
from _infra import DEFAULT_CORPUS, PROJECT_DIR, load_corpus, raise_on_sigterm, save_bodies
from _systems import Illustra

sys.path.append(str(PROJECT_DIR))
from tests.support import PrivateRedis

RECOVERY_ENV = {
    "ILLUSTRA_LEASE_S": "3",
    "ILLUSTRA_RECONCILE_AFTER_S": "10",
    "STAGE_MIN_BACKOFF_S": "0.2",
    "STAGE_MAX_BACKOFF_S": "2",
    "WORKER_PROCESSES": "2",
}


def inject(fault: str, system: Illustra, private_redis: PrivateRedis) -> str:
    if fault == "kill-worker-process":
        pids = system.worker_pids()
        if not pids:
            return "no worker process to kill"
        os.kill(pids[0], signal.SIGKILL)
        return f"SIGKILL worker process {pids[0]}"
    if fault == "kill-extractor":
        process = system.processes.processes.pop("worker")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        system.processes.start("worker", system._illustra("worker"), system.env)
        return f"SIGKILL extractor {process.pid}, started again"
    private_redis.restart_empty()
    return "Redis restarted empty"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=10.0, help="documents per second")
    parser.add_argument("--fault-every", type=float, default=20.0, help="seconds between faults")
    parser.add_argument(
        "--drain", type=float, default=120.0, help="seconds to wait for the pipeline to drain"
    )
    args = parser.parse_args()
    raise_on_sigterm()

    bodies = save_bodies(load_corpus(args.corpus), 200)
    private_redis = PrivateRedis()
    private_redis.start()
    system = Illustra(extra_env={**RECOVERY_ENV, "REDIS_URL": private_redis.url})
    accepted: list[int] = []
    refused = 0
    faults: list[str] = []
    try:
        system.start()
        session = requests.Session()
        kinds = itertools.cycle(["kill-worker-process", "restart-redis", "kill-extractor"])
        started = time.monotonic()
        next_fault = started + args.fault_every
        for sent, body in enumerate(itertools.cycle(bodies)):
            now = time.monotonic()
            if now - started > args.minutes * 60:
                break
            if now >= next_fault:
                faults.append(f"{now - started:6.1f} s  {inject(next(kinds), system, private_redis)}")
                print(faults[-1], file=sys.stderr)
                next_fault += args.fault_every
            time.sleep(max(0.0, started + sent / args.rate - time.monotonic()))
            try:
                answer = session.post(
                    system.save_url, data=body, headers={"Content-Type": "application/json"}, timeout=10
                )
            except requests.RequestException:
                refused += 1
                continue
            if answer.status_code == 200:
                accepted.append(answer.json()["document_id"])
            else:
                refused += 1

        def drained() -> bool:
            (unfinished,) = system.database.query(
                "SELECT count(*) FROM documents WHERE processing_stage NOT IN ('all_completed', 'error')"
            )[0]
            return unfinished == 0

        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and not drained():
            time.sleep(1)
        stages = dict(
            system.database.query(
                "SELECT processing_stage, count(*) FROM documents WHERE id = ANY(%s) GROUP BY 1", (accepted,)
            )
        )
        duplicated = system.database.query(
            "SELECT count(DISTINCT document_id) FROM ("
            " SELECT document_id FROM stage_attempts WHERE outcome = 'success' GROUP BY document_id, stage"
            " HAVING count(*) > 1"
            " UNION SELECT document_id FROM value_table_rows GROUP BY document_id, policy_year HAVING count(*) > 1"
            ") AS repeated"
        )[0][0]
        errors = system.database.query(
            "SELECT error_message, count(*) FROM documents WHERE processing_stage = 'error' GROUP BY 1"
        )
    finally:
        system.stop()
        private_redis.stop()

    completed = stages.get("all_completed", 0)
    errored = stages.get("error", 0)
    print(f"\nsoak: {args.minutes:g} min at {args.rate:g} docs/s, a fault every {args.fault_every:g} s")
    for line in faults:
        print(f"  {line}")
    print(f"refused (503 while Redis was down, or unreachable): {refused}")
    for message, count in errors:
        print(f"  error x{count}: {message}")
    print(
        f"accepted={len(accepted)} completed={completed} errored={errored} "
        f"lost={len(accepted) - completed - errored} duplicated={duplicated}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
