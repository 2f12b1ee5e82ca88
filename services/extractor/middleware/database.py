from __future__ import annotations

from dramatiq import Broker, Message, Middleware
from peewee import Database

from illustra_shared.database import CONNECTION_ERRORS, release_connection


class DatabaseConnection(Middleware):
    """Opens the (pooled) connection before each message and closes it after, whatever the outcome."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def before_process_message(self, broker: Broker, message: Message) -> None:
        self.database.connect(reuse_if_open=True)

    def after_process_message(self, broker: Broker, message: Message, *, result=None, exception=None) -> None:
        release_connection(self.database, broken=isinstance(exception, CONNECTION_ERRORS))

    def after_skip_message(self, broker: Broker, message: Message) -> None:
        release_connection(self.database)
