"""Worker middleware: the database connection per message, the stage attempts (leases, the hard time limit,
failures as Retries decides them), the reconciler, metrics."""

from .attempts import StageAttempts
from .database import DatabaseConnection
from .metrics import StageMetrics
from .reconciler import Reconciler

__all__ = ["DatabaseConnection", "Reconciler", "StageAttempts", "StageMetrics"]
