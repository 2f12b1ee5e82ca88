"""Worker middleware: the database connection per message, stage progress and the hard time limit, metrics."""

from .database import DatabaseConnection
from .metrics import StageMetrics
from .progress import StageProgress

__all__ = ["DatabaseConnection", "StageMetrics", "StageProgress"]
