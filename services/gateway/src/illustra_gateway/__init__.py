"""The gateway: accepts documents and starts the extraction pipeline."""
