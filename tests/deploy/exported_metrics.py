"""Every series name the code can export, read from the metrics' own descriptions: what the alert rules, the
dashboard and the autoscaler may query."""

from __future__ import annotations

from illustra_shared.metrics import (
    DATABASE_GAUGES,
    DOCUMENTS_ACCEPTED,
    HTTP_REQUEST_DURATION,
    HTTP_REQUESTS,
    KNOWN_LABEL_VALUES,
)

_SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def defined_metric_names() -> set[str]:
    """Counters with ``_total``, histograms with their suffixes, and the status service's gauges."""
    names = set(DATABASE_GAUGES)
    for metric in (HTTP_REQUESTS, HTTP_REQUEST_DURATION, DOCUMENTS_ACCEPTED, *KNOWN_LABEL_VALUES):
        for family in metric.describe():
            names.update(family.name + suffix for suffix in _SAMPLE_SUFFIXES[family.type])
    return names
