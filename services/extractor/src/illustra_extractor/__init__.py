"""The extractor: the three pipeline stages as Dramatiq actors."""
