"""The JSON log line: its fields, the context bound to the work in hand, and the redaction of secrets."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from illustra_shared import logs


def _line(message: str, *args: object, exc_info: bool = False, **extra: object) -> dict[str, object]:
    record = logging.getLogger("illustra.test").makeRecord(
        "illustra.test",
        logging.WARNING,
        __file__,
        1,
        message,
        args,
        sys.exc_info() if exc_info else None,
        extra=extra or None,
    )
    return json.loads(logs.JsonFormatter("gateway").format(record))


def test_a_line_has_the_fields_the_log_pipeline_reads() -> None:
    line = _line("document %s accepted", 7, document_id=7)
    assert {k: line[k] for k in ("level", "service", "logger", "message", "document_id")} == {
        "level": "warning",
        "service": "gateway",
        "logger": "illustra.test",
        "message": "document 7 accepted",
        "document_id": 7,
    }
    assert datetime.fromisoformat(str(line["ts"])).utcoffset() is not None
    assert "exception" not in line


def test_bound_fields_reach_every_line_until_unbound_and_an_extra_wins() -> None:
    logs.bind(document_id=3, stage="value_table")
    try:
        logs.bind(attempt=2)
        assert _line("x")["document_id"] == 3 and _line("x")["attempt"] == 2
        assert _line("x", document_id=4)["document_id"] == 4
    finally:
        logs.unbind()
    assert "document_id" not in _line("x") and "attempt" not in _line("x")


def test_fields_follow_their_task_not_the_task_beside_it() -> None:
    async def work(document_id: int, started: asyncio.Event, other: asyncio.Event) -> object:
        logs.bind(document_id=document_id)
        started.set()
        await other.wait()  # both tasks have bound their fields before either logs
        return _line("x")["document_id"]

    async def both() -> list[object]:
        first, second = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(work(1, first, second), work(2, second, first)))

    # In a thread of its own: the browser tests' Playwright leaves an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(asyncio.run, both()).result() == [1, 2]
    context = contextvars.copy_context()
    context.run(logs.bind, document_id=9)
    assert context.run(_line, "x")["document_id"] == 9 and "document_id" not in _line("x")


def test_secrets_are_blanked_in_the_message_the_fields_and_the_exception() -> None:
    key = "sk-proj-Ab12_cd34-EF56gh78ij90"
    try:
        raise RuntimeError(f"Authorization: Bearer {key}")
    except RuntimeError:
        line = _line("calling with %s", key, exc_info=True, route=f"/x?key={key}")
    assert key not in json.dumps(line)
    assert line["message"] == "calling with [redacted]"
    assert "RuntimeError: Authorization: Bearer [redacted]" in str(line["exception"])
