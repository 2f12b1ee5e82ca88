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


def _decode(payloads: list[bytes | None]) -> list[dramatiq.Message[Any]]:
    return [dramatiq.Message.decode(payload) for payload in payloads if payload]


class RedisQueues:
    """Reads and changes Dramatiq's Redis keys for one broker namespace."""

    def __init__(self, broker: RedisBroker) -> None:
        self.client = broker.client
        self.namespace = broker.namespace

    def _key(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    def _ack_sets(self, queue: str) -> list[str]:
        return [key.decode() for key in self.client.scan_iter(match=self._key(f"__acks__.*.{queue}"))]

    def _messages(self, hash_key: str, ids: list[bytes]) -> list[dramatiq.Message[Any]]:
        return _decode(self.client.hmget(hash_key, ids)) if ids else []

    @staticmethod
    def _state(messages: list[dramatiq.Message[Any]], count: int) -> QueueState:
        state = QueueState(count=count)
        for message in messages:
            state.actors[message.actor_name] = state.actors.get(message.actor_name, 0) + 1
            if message.args:
                state.documents.append(int(message.args[0]))
        return state

    def report(self, queue: str) -> QueueReport:
        delayed = f"{queue}.DQ"
        waiting_ids = self.client.lrange(self._key(queue), 0, -1)
        in_flight_ids = [i for key in self._ack_sets(queue) for i in self.client.smembers(key)]
        delayed_ids = self.client.lrange(self._key(delayed), 0, -1) + [
            i for key in self._ack_sets(delayed) for i in self.client.smembers(key)
        ]
        dead_ids = self.client.zrange(self._key(f"{queue}.XQ"), 0, -1)
        messages = {
            "waiting": self._messages(self._key(f"{queue}.msgs"), waiting_ids),
            "delayed": self._messages(self._key(f"{delayed}.msgs"), delayed_ids),
            "in_flight": self._messages(self._key(f"{queue}.msgs"), in_flight_ids),
            "dead": self._messages(self._key(f"{queue}.XQ.msgs"), dead_ids),
        }
        counts = {
            "waiting": len(waiting_ids),
            "delayed": len(delayed_ids),
            "in_flight": len(in_flight_ids),
            "dead": len(dead_ids),
        }
        return QueueReport(queue, {state: self._state(messages[state], counts[state]) for state in STATES})

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
