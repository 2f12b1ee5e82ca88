from __future__ import annotations

from dramatiq import Broker, Message, Middleware
from peewee import Database


class DatabaseConnection(Middleware):
    """Opens the (pooled) connection before each message and closes it after, whatever the outcome."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def before_process_message(self, broker: Broker, message: Message) -> None:
        self.database.connect(reuse_if_open=True)

    def _close(self) -> None:
        if not self.database.is_closed():
            self.database.close()

    def after_process_message(self, broker: Broker, message: Message, *, result=None, exception=None) -> None:
        self._close()

    def after_skip_message(self, broker: Broker, message: Message) -> None:
        self._close()
