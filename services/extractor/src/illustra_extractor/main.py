"""Entry module for the ``dramatiq`` command (``illustra worker`` runs it): builds the broker from the environment."""

from illustra_shared.settings import Settings

from .worker import create_worker_broker

broker = create_worker_broker(Settings.from_env())
