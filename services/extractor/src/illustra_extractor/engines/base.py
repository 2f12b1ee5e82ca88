from __future__ import annotations

from abc import ABC, abstractmethod

from illustra_shared.lifecycle import StageReport

from ..extraction.types import BasicInfo, Summary, ValueTable


class StageEngine(ABC):
    """Computes the three stages from the OCR text. Each method is called in its own worker message, with the
    results of the earlier stages as stored; each must be pure apart from the calls it makes to produce its result
    (no database writes), and record what it did on the stage's ``report``."""

    name: str

    @abstractmethod
    def basic_info(self, text: str, report: StageReport) -> BasicInfo: ...

    @abstractmethod
    def value_table(self, text: str, basic: BasicInfo, report: StageReport) -> ValueTable: ...

    @abstractmethod
    def summary(self, text: str, basic: BasicInfo, table: ValueTable, report: StageReport) -> Summary: ...
