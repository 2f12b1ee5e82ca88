from __future__ import annotations

from dramatiq import Broker, Middleware
from dramatiq.broker import MessageProxy
from peewee import Database

from illustra_shared.database import CONNECTION_ERRORS, release_connection


class DatabaseConnection(Middleware):
    """A stage takes a connection from the pool only around its own database work (``connection``), never
    across a model call, so a process holds at most its pool's few connections however many stages wait on the
    model. This makes sure no message leaves its thread holding one, whatever the outcome."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def after_process_message(
        self, broker: Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        release_connection(self.database, broken=isinstance(exception, CONNECTION_ERRORS))

    def after_skip_message(self, broker: Broker, message: MessageProxy) -> None:
        release_connection(self.database)
