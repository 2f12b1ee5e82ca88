from __future__ import annotations

from illustra_shared.lifecycle import StageReport

from .. import extraction
from ..extraction.types import BasicInfo, Summary, ValueTable
from ..limits import ExtractionLimits
from ..sandbox import Sandbox
from .base import StageEngine


class RulesEngine(StageEngine):
    """The deterministic, offline extractor. With ``limits``, a document past them is refused, and with a
    ``sandbox`` the stages of a document larger than the limits' inline size run in its child processes, stopped
    from outside past their CPU time or memory."""

    name = "rules"

    def __init__(self, limits: ExtractionLimits | None = None, sandbox: Sandbox | None = None) -> None:
        self.limits = limits
        self.sandbox = sandbox

    def _run(self, stage: str, *args):
        if self.limits is not None:
            self.limits.check(args[0])
        if self.sandbox is not None and (self.limits is None or not self.limits.fits_inline(args[0])):
            return self.sandbox.call(stage, *args)
        return getattr(extraction, f"extract_{stage}")(*args)

    # The rules report nothing: a stage's report says "rules" unless another engine says otherwise.

    def basic_info(self, text: str, report: StageReport) -> BasicInfo:
        return self._run("basic_info", text)

    def value_table(self, text: str, basic: BasicInfo, report: StageReport) -> ValueTable:
        return self._run("value_table", text, basic)

    def summary(self, text: str, basic: BasicInfo, table: ValueTable, report: StageReport) -> Summary:
        return self._run("summary", text, basic, table)
