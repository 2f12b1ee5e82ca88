"""The status service: read-only views of documents, their progress and their results."""
