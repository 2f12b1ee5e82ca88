"""What is in the broker: per queue, the messages waiting, delayed (retries waiting for their time), in flight
(fetched by a worker, running or prefetched) and dead-lettered, with the documents they are for. Dramatiq keeps
these in Redis keys of its own (``<ns>:<queue>``, ``.DQ``, ``.XQ``, ``__acks__.<worker>.<queue>``) and has no
tool to look at them or to send dead letters back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

STATES = ("waiting", "delayed", "in_flight", "dead")


@dataclass
class QueueState:
    count: int = 0
    documents: list[int] = field(default_factory=list)
    actors: dict[str, int] = field(default_factory=dict)


@dataclass
class QueueReport:
    queue: str
    states: dict[str, QueueState]


@dataclass(frozen=True)
class DeadLetter:
    redis_id: str
    message: dramatiq.Message[Any]

    @property
    def document_id(self) -> int | None:
        return int(self.message.args[0]) if self.message.args else None


class RedisQueues:
    """Reads and changes Dramatiq's Redis keys for one broker namespace."""

    def __init__(self, broker: RedisBroker) -> None:
        self.client = broker.client
        self.namespace = broker.namespace

    def _key(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def _fetched(self, queue: str) -> list[bytes]:
        """The ids of the messages of ``queue`` that workers hold (in their acknowledgement sets)."""
        keys = self.client.scan_iter(match=self._key(f"__acks__.*.{queue}"))
        return [message_id for key in keys for message_id in self.client.smembers(key.decode())]

    def _state(self, hash_key: str, ids: list[bytes]) -> QueueState:
        state = QueueState(count=len(ids))
        for payload in self.client.hmget(self._key(hash_key), ids) if ids else []:
            if not payload:
                continue
            message = dramatiq.Message.decode(payload)
            state.actors[message.actor_name] = state.actors.get(message.actor_name, 0) + 1
            if message.args:
                state.documents.append(int(message.args[0]))
        return state

    def report(self, queue: str) -> QueueReport:
        delayed = f"{queue}.DQ"
        ids_in = {
            "waiting": (f"{queue}.msgs", self.client.lrange(self._key(queue), 0, -1)),
            "delayed": (
                f"{delayed}.msgs",
                self.client.lrange(self._key(delayed), 0, -1) + self._fetched(delayed),
            ),
            "in_flight": (f"{queue}.msgs", self._fetched(queue)),
            "dead": (f"{queue}.XQ.msgs", self.client.zrange(self._key(f"{queue}.XQ"), 0, -1)),
        }
        return QueueReport(queue, {state: self._state(*ids_in[state]) for state in STATES})

    def dead_letters(self, queue: str) -> list[DeadLetter]:
        ids = self.client.zrange(self._key(f"{queue}.XQ"), 0, -1)
        payloads = self.client.hmget(self._key(f"{queue}.XQ.msgs"), ids) if ids else []
        return [
            DeadLetter(redis_id.decode(), dramatiq.Message.decode(payload))
            for redis_id, payload in zip(ids, payloads, strict=True)
            if payload
        ]

    def remove_dead_letter(self, queue: str, letter: DeadLetter) -> None:
        with self.client.pipeline() as pipe:
            pipe.zrem(self._key(f"{queue}.XQ"), letter.redis_id)
            pipe.hdel(self._key(f"{queue}.XQ.msgs"), letter.redis_id)
            pipe.execute()
