"""Worker middleware: the database connection per message, stage progress, the hard time limit."""

from .database import DatabaseConnection
from .progress import StageProgress

__all__ = ["DatabaseConnection", "StageProgress"]
