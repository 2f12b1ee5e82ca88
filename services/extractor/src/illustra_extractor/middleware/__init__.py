"""Worker middleware: the database connection per message, the stage attempts (leases, the hard time limit,
failures as Retries decides them), the reconciler, metrics, recycling; imported from their modules."""
