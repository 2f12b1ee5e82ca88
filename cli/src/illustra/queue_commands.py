"""``illustra queue`` (what the broker holds in the main and the bulk queue, with the documents) and ``illustra queue
redrive`` (dead letters sent back to the queue they died in: a document in error restarts from its failed stage,
as the retry route does)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from dramatiq.brokers.redis import RedisBroker

from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.errors import DocumentNotFound
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.models import utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.queues import STATES, DeadLetter, RedisQueues
from illustra_shared.settings import Settings
from illustra_shared.stages import STEP_BY_ACTOR, ProcessingStage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("show", "redrive"), default="show")
    parser.add_argument("--json", action="store_true", help="show: print the report as JSON")
    parser.add_argument(
        "--document", type=int, action="append", help="redrive: only these documents' letters"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="redrive: say what would be sent, send nothing"
    )


def _queues(settings: Settings) -> RedisQueues | None:
    broker = create_broker(settings)
    if not isinstance(broker, RedisBroker):
        print(
            "illustra: queue inspection needs the Redis broker; use RabbitMQ's management tools",
            file=sys.stderr,
        )
        return None
    return RedisQueues(broker)


def show(args: argparse.Namespace, settings: Settings) -> int:
    queues = _queues(settings)
    if queues is None:
        return 2
    reports = [queues.report(queue_name) for queue_name in settings.queue_names]
    if args.json:
        print(json.dumps([asdict(report) for report in reports], indent=2))
        return 0
    for report in reports:
        print(f"queue {report.queue} ({settings.broker_namespace})")
        for state in STATES:
            entry = report.states[state]
            documents = ", ".join(str(d) for d in entry.documents[:20]) + (
                " …" if len(entry.documents) > 20 else ""
            )
            actors = ", ".join(f"{name} {count}" for name, count in sorted(entry.actors.items()))
            print(
                f"  {state:<10}{entry.count:>7}  {actors}{'  documents: ' + documents if documents else ''}"
            )
    return 0


def redrive(args: argparse.Namespace, settings: Settings) -> int:
    queues = _queues(settings)
    if queues is None:
        return 2
    database = open_database(settings.database_url)
    pipeline = Pipeline(create_broker(settings), settings)
    lifecycle = Lifecycle(database, settings, utcnow)
    sent = 0
    with database.connection_context():
        for queue_name in settings.queue_names:
            for letter in queues.dead_letters(queue_name):
                document_id = letter.document_id
                if args.document and document_id not in args.document:
                    continue
                outcome = _redrive(letter, queue_name, pipeline, lifecycle, dry_run=args.dry_run)
                if outcome is None:
                    continue
                sent += outcome.startswith("sent back")
                if not args.dry_run:
                    queues.remove_dead_letter(queue_name, letter)
                print(
                    f"{letter.message.message_id}  document {document_id}  {letter.message.actor_name}: {outcome}"
                )
    print(f"{sent} message(s) sent back", file=sys.stderr)
    return 0


def _redrive(
    letter: DeadLetter, queue_name: str, pipeline: Pipeline, lifecycle: Lifecycle, *, dry_run: bool
) -> str | None:
    """Send one dead letter's step back to ``queue_name``, the queue it died in; what was done, or None when its
    document went away meanwhile."""
    document_id = letter.document_id
    step = STEP_BY_ACTOR.get(letter.message.actor_name)
    stage = lifecycle.stage_of(document_id) if document_id is not None else None
    if step is None or document_id is None or stage is None or stage == ProcessingStage.ALL_COMPLETED:
        return "dropped (its document is gone or complete)"
    if dry_run:
        return "would be sent back"
    if stage == ProcessingStage.ERROR:
        try:
            step = lifecycle.restart_failed(document_id, owner=None).step
        except DocumentNotFound:
            return None
    pipeline.enqueue(step, document_id, queue_name)
    return f"sent back to {step.name}"


def run(args: argparse.Namespace, settings: Settings) -> int:
    return redrive(args, settings) if args.action == "redrive" else show(args, settings)
