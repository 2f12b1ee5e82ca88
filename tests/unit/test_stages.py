from __future__ import annotations

import pytest

from illustra_shared.stages import (
    PROGRESS_PERCENTAGE,
    STAGE_ORDER,
    STEPS,
    DocumentStatus,
    ProcessingStage,
    next_step,
    status_of,
)


def test_the_contract_percentages_are_the_ones_the_frontends_know() -> None:
    assert {stage.value: pct for stage, pct in PROGRESS_PERCENTAGE.items()} == {
        "pending": 0,
        "extracting_basic_info": 20,
        "basic_info_completed": 33,
        "extracting_table": 50,
        "table_completed": 66,
        "extracting_summary": 80,
        "all_completed": 100,
    }
    assert [stage.value for stage in STAGE_ORDER] == [
        "pending",
        "extracting_basic_info",
        "basic_info_completed",
        "extracting_table",
        "table_completed",
        "extracting_summary",
        "all_completed",
    ]
    assert ProcessingStage.ERROR not in STAGE_ORDER


def test_steps_chain_in_order_and_cover_every_running_and_completed_stage() -> None:
    assert [s.name for s in STEPS] == ["basic_info", "value_table", "summary"]
    assert next_step(STEPS[0]) is STEPS[1] and next_step(STEPS[1]) is STEPS[2] and next_step(STEPS[2]) is None
    covered = {s.running for s in STEPS} | {s.completed for s in STEPS} | {ProcessingStage.PENDING}
    assert covered == set(STAGE_ORDER)


@pytest.mark.parametrize(
    ("stage", "status"),
    [
        ("pending", DocumentStatus.PENDING),
        ("extracting_basic_info", DocumentStatus.PROCESSING),
        ("table_completed", DocumentStatus.PROCESSING),
        ("all_completed", DocumentStatus.COMPLETED),
        ("error", DocumentStatus.ERROR),
    ],
)
def test_status_follows_the_stage(stage: str, status: DocumentStatus) -> None:
    assert status_of(stage) == status
