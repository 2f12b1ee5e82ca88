"""The report of the stage running in this thread (``StageReport``: which extractor produced its result, LLM calls
and tokens, notes), which the engines add to. The stage run hands each attempt's report in (``begin_report``) and
stores it on the attempt's row."""

from __future__ import annotations

import threading

from illustra_shared.lifecycle import StageReport

__all__ = ["StageReport", "begin_report", "current_report", "end_report"]

_local = threading.local()


def begin_report(report: StageReport | None = None) -> StageReport:
    """Make ``report`` (a new one by default) the one the engines add to in this thread."""
    _local.report = report or StageReport()
    return _local.report


def current_report() -> StageReport:
    """The report of the stage running in this thread (a throwaway one outside a worker, as in ``illustra
    extract``)."""
    report = getattr(_local, "report", None)
    if report is None:
        report = begin_report()
    return report


def end_report() -> StageReport:
    report = current_report()
    _local.report = None
    return report
