"""The stage contract: the processing stages the frontends know, their percentages and order, and the three
pipeline steps that move a document through them. Everything that names a stage takes it from here."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProcessingStage(StrEnum):
    PENDING = "pending"
    EXTRACTING_BASIC_INFO = "extracting_basic_info"
    BASIC_INFO_COMPLETED = "basic_info_completed"
    EXTRACTING_TABLE = "extracting_table"
    TABLE_COMPLETED = "table_completed"
    EXTRACTING_SUMMARY = "extracting_summary"
    ALL_COMPLETED = "all_completed"
    ERROR = "error"


class DocumentStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    ERROR = "error"


PROGRESS_PERCENTAGE: dict[ProcessingStage, int] = {
    ProcessingStage.PENDING: 0,
    ProcessingStage.EXTRACTING_BASIC_INFO: 20,
    ProcessingStage.BASIC_INFO_COMPLETED: 33,
    ProcessingStage.EXTRACTING_TABLE: 50,
    ProcessingStage.TABLE_COMPLETED: 66,
    ProcessingStage.EXTRACTING_SUMMARY: 80,
    ProcessingStage.ALL_COMPLETED: 100,
}

# The forward order; a document only ever moves to a later position (or to error).
STAGE_ORDER: tuple[ProcessingStage, ...] = tuple(PROGRESS_PERCENTAGE)


def status_of(stage: str) -> DocumentStatus:
    if stage == ProcessingStage.PENDING:
        return DocumentStatus.PENDING
    if stage == ProcessingStage.ALL_COMPLETED:
        return DocumentStatus.COMPLETED
    if stage == ProcessingStage.ERROR:
        return DocumentStatus.ERROR
    return DocumentStatus.PROCESSING


@dataclass(frozen=True)
class PipelineStep:
    """One Dramatiq actor of the extractor: the stage it shows while running and the one it leaves behind."""

    name: str
    actor_name: str
    running: ProcessingStage
    completed: ProcessingStage
    label: str


BASIC_INFO = PipelineStep(
    "basic_info",
    "extract_basic_info",
    ProcessingStage.EXTRACTING_BASIC_INFO,
    ProcessingStage.BASIC_INFO_COMPLETED,
    "basic information",
)
# Named value_table, as its actor, its result tables and the result's field are; only the processing stages the
# frontends know keep "table" (extracting_table, table_completed): they are the HTTP contract.
VALUE_TABLE = PipelineStep(
    "value_table",
    "extract_value_table",
    ProcessingStage.EXTRACTING_TABLE,
    ProcessingStage.TABLE_COMPLETED,
    "value table",
)
SUMMARY = PipelineStep(
    "summary",
    "extract_summary",
    ProcessingStage.EXTRACTING_SUMMARY,
    ProcessingStage.ALL_COMPLETED,
    "plan summary",
)
STEPS: tuple[PipelineStep, ...] = (BASIC_INFO, VALUE_TABLE, SUMMARY)
STEP_BY_ACTOR: dict[str, PipelineStep] = {step.actor_name: step for step in STEPS}
STEP_BY_NAME: dict[str, PipelineStep] = {step.name: step for step in STEPS}


def next_step(step: PipelineStep) -> PipelineStep | None:
    position = STEPS.index(step)
    return STEPS[position + 1] if position + 1 < len(STEPS) else None


def stage_before(step: PipelineStep) -> ProcessingStage:
    """Where a document stands when ``step`` is about to start."""
    position = STEPS.index(step)
    return STEPS[position - 1].completed if position else ProcessingStage.PENDING
