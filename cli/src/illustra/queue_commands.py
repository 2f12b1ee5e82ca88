"""``illustra queue`` (what the broker holds, with the documents) and ``illustra queue redrive`` (dead letters
sent back: a document in error restarts from its failed stage, as the retry route does)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from dramatiq.brokers.redis import RedisBroker

from illustra_gateway.store import DocumentStore
from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.errors import DocumentNotFound
from illustra_shared.models import Document, utcnow
from illustra_shared.pipeline import Pipeline
from illustra_shared.queues import STATES, RedisQueues
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
    report = queues.report(settings.queue_name)
    if args.json:
        print(json.dumps(asdict(report), indent=2))
        return 0
    print(f"queue {report.queue} ({settings.broker_namespace})")
    for state in STATES:
        entry = report.states[state]
        documents = ", ".join(str(d) for d in entry.documents[:20]) + (
            " …" if len(entry.documents) > 20 else ""
        )
        actors = ", ".join(f"{name} {count}" for name, count in sorted(entry.actors.items()))
        print(f"  {state:<10}{entry.count:>7}  {actors}{'  documents: ' + documents if documents else ''}")
    return 0


def redrive(args: argparse.Namespace, settings: Settings) -> int:
    queues = _queues(settings)
    if queues is None:
        return 2
    database = open_database(settings.database_url)
    pipeline = Pipeline(create_broker(settings), settings)
    store = DocumentStore(database, utcnow)
    sent = 0
    with database.connection_context():
        for letter in queues.dead_letters(settings.queue_name):
            document_id = letter.document_id
            if args.document and document_id not in args.document:
                continue
            step = STEP_BY_ACTOR.get(letter.message.actor_name)
            stage = (
                Document.select(Document.processing_stage).where(Document.id == document_id).scalar()
                if document_id is not None
                else None
            )
            if step is None or document_id is None or stage is None or stage == ProcessingStage.ALL_COMPLETED:
                outcome = "dropped (its document is gone or complete)"
            elif args.dry_run:
                outcome = "would be sent back"
            else:
                if stage == ProcessingStage.ERROR:
                    try:
                        step = store.restart_failed(document_id, owner=None).step
                    except DocumentNotFound:
                        continue
                pipeline.enqueue(step, document_id)
                outcome = f"sent back to {step.name}"
                sent += 1
            if not args.dry_run:
                queues.remove_dead_letter(settings.queue_name, letter)
            print(
                f"{letter.message.message_id}  document {document_id}  {letter.message.actor_name}: {outcome}"
            )
    print(f"{sent} message(s) sent back", file=sys.stderr)
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return redrive(args, settings) if args.action == "redrive" else show(args, settings)
