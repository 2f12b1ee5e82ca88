"""Fairness between users, in process: which queue a document starts in (the gateway and the reconciler), and the
worker taking the main queue's messages before the bulk queue's. The end-to-end behaviour, with real processes
on both brokers, is in tests/integration/test_fairness.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import dramatiq
import pytest
from falcon import testing

from illustra_extractor.middleware.reconciler import Reconciler
from illustra_extractor.worker import InteractiveFirstWorker
from illustra_gateway.app import create_app as create_gateway_app
from illustra_shared.broker import create_broker
from illustra_shared.database import open_database
from illustra_shared.lifecycle import Lifecycle
from illustra_shared.migrate import migrate
from illustra_shared.models import Document
from illustra_shared.pipeline import Pipeline, first_step_queue
from illustra_shared.settings import Settings
from illustra_shared.stages import STEPS

from ..support import wait_until

NOW = datetime(2025, 1, 10, 8, 30, 0)
SETTINGS = Settings.from_env({"ILLUSTRA_ENV": "test", "ILLUSTRA_BULK_AFTER": "3"}).model_copy(
    update={"broker_url": "stub://"}
)


def test_a_users_documents_past_the_threshold_of_unfinished_ones_start_in_the_bulk_queue() -> None:
    assert SETTINGS.queue_names == ("illustra", "illustra.bulk")
    assert [first_step_queue(SETTINGS, unfinished) for unfinished in range(5)] == [
        "illustra",
        "illustra",
        "illustra",
        "illustra.bulk",
        "illustra.bulk",
    ]
    never = SETTINGS.model_copy(update={"bulk_after": 0})
    assert first_step_queue(never, 10_000) == "illustra"
    assert Settings.from_env({}).bulk_after == 10
    assert Settings.from_env({"ILLUSTRA_BULK_AFTER": "0"}).bulk_after == 0


@pytest.fixture
def stored(tmp_path) -> Iterator[tuple[testing.TestClient, dramatiq.Broker]]:
    database = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(database)
    broker = create_broker(SETTINGS)
    gateway = testing.TestClient(
        create_gateway_app(SETTINGS, database=database, broker=broker, clock=lambda: NOW)
    )
    yield gateway, broker
    database.close()


def submit(gateway: testing.TestClient, user_id: int) -> int:
    answer = gateway.simulate_post(
        "/api/ocr/save/", json={"file_name": "a.pdf", "ocr_content": "受保人:陳大文", "user_id": user_id}
    )
    assert answer.status_code == 200, answer.text
    return answer.json["document_id"]


def queued(broker: dramatiq.Broker, queue_name: str) -> list[int]:
    queue = broker.queues[queue_name]
    return [json.loads(queue.get_nowait())["args"][0] for _ in range(queue.qsize())]


def test_the_gateway_routes_by_the_users_unfinished_documents(stored) -> None:
    gateway, broker = stored
    first = [submit(gateway, user_id=1) for _ in range(3)]
    backlog = [submit(gateway, user_id=1) for _ in range(2)]
    other = submit(gateway, user_id=2)
    assert queued(broker, "illustra") == [*first, other]
    assert queued(broker, "illustra.bulk") == backlog

    # Finished documents do not count: once some end, the user's next document starts in the main queue again.
    Document.update(status="completed", processing_stage="all_completed").where(
        Document.id.in_(first)
    ).execute()
    Document.update(status="error", processing_stage="error").where(Document.id == backlog[0]).execute()
    again = submit(gateway, user_id=1)
    assert queued(broker, "illustra") == [again] and queued(broker, "illustra.bulk") == []


def test_the_reconciler_sends_a_document_where_it_belongs_and_leaves_a_waiting_bulk_queue_alone(
    stored,
) -> None:
    gateway, broker = stored
    heavy = [submit(gateway, user_id=1) for _ in range(5)]
    light = submit(gateway, user_id=2)
    # The broker lost its messages (a Redis restarted without persistence), all but one in the bulk queue.
    queued(broker, "illustra")
    queued(broker, "illustra.bulk")
    pipeline = Pipeline(broker, SETTINGS)
    pipeline.enqueue(STEPS[0], heavy[-1], "illustra.bulk")

    later = NOW + timedelta(seconds=SETTINGS.reconcile_after_s + 1)
    lifecycle = Lifecycle(Document._meta.database, SETTINGS, clock=lambda: later)
    reconciler = Reconciler(lifecycle, pipeline)
    # While the bulk queue has messages waiting, the documents of a user past the threshold are presumed to be
    # among them: left alone. The other user's goes to the main queue again.
    assert reconciler.reconcile() == [light]
    assert queued(broker, "illustra") == [light] and queued(broker, "illustra.bulk") == [heavy[-1]]

    # Once the bulk queue is empty, they are sent again, to the bulk queue, not to the main one.
    lifecycle.clock = lambda: later + timedelta(seconds=SETTINGS.reconcile_after_s + 1)
    assert sorted(reconciler.reconcile()) == sorted([*heavy, light])
    assert sorted(queued(broker, "illustra.bulk")) == heavy and queued(broker, "illustra") == [light]


def test_a_worker_takes_every_fetched_main_queue_message_before_any_bulk_one() -> None:
    broker = create_broker(SETTINGS)
    ran: list[tuple[str, int]] = []
    release = threading.Event()

    def record(number: int) -> None:
        release.wait(10)
        ran.append((dramatiq.middleware.CurrentMessage.get_current_message().queue_name, number))

    broker.add_middleware(dramatiq.middleware.CurrentMessage())
    dramatiq.actor(record, broker=broker, queue_name=SETTINGS.queue_name)

    def send(queue_name: str, number: int) -> None:
        broker.enqueue(dramatiq.Message(queue_name, "record", (number,), {}, {}))

    worker = InteractiveFirstWorker(broker, SETTINGS, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        send("illustra.bulk", 0)  # taken by the one thread, which then waits for the release
        wait_until(
            lambda: not worker.work_queue.qsize() and not broker.queues["illustra.bulk"].qsize(), 5, "it"
        )
        # Each consumer holds at most two messages (Dramatiq's prefetch for one thread): the bulk one has 0
        # running and fetches 1; 2 waits in the broker until 0 is done.
        for number in (1, 2):
            send("illustra.bulk", number)
        for number in (3, 4):
            send("illustra", number)
        wait_until(lambda: worker.work_queue.qsize() == 3, 5, "1, 3 and 4 to be fetched")
        release.set()
        wait_until(lambda: len(ran) == 5, 10, "the five messages to run")
    finally:
        release.set()
        worker.stop()
    assert ran == [
        ("illustra.bulk", 0),
        ("illustra", 3),
        ("illustra", 4),
        ("illustra.bulk", 1),
        ("illustra.bulk", 2),
    ]
