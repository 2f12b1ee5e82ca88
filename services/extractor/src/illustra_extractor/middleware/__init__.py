"""Worker middleware: the database connection per message, stage progress with leases and the hard time limit,
the reconciler, metrics."""

from .database import DatabaseConnection
from .metrics import StageMetrics
from .progress import StageProgress
from .reconciler import Reconciler

__all__ = ["DatabaseConnection", "Reconciler", "StageMetrics", "StageProgress"]
