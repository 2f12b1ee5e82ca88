from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from illustra_shared.database import redact
from illustra_shared.errors import ConfigurationError
from illustra_shared.settings import Settings


def test_defaults_match_the_documented_ones() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/illustra"
    assert settings.broker_url == "redis://127.0.0.1:6379/0"
    assert settings.max_body_bytes == 10 * 1024 * 1024
    assert (settings.stage_soft_time_limit_s, settings.stage_hard_time_limit_s) == (1500, 1800)
    assert settings.stage_max_retries == 2


def test_broker_url_wins_over_redis_url() -> None:
    env = {"REDIS_URL": "redis://r:6379/1", "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672"}
    assert Settings.from_env(env).broker_url == "amqp://guest:guest@127.0.0.1:5672"
    assert Settings.from_env({"REDIS_URL": "redis://r:6379/1"}).broker_url == "redis://r:6379/1"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"MAX_BODY_BYTES": "ten"}, "MAX_BODY_BYTES must be a whole number"),
        ({"STAGE_SOFT_TIME_LIMIT_S": "-1"}, "must be positive"),
        (
            {"STAGE_SOFT_TIME_LIMIT_S": "60", "STAGE_HARD_TIME_LIMIT_S": "30"},
            "STAGE_HARD_TIME_LIMIT_S must be at least STAGE_SOFT_TIME_LIMIT_S",
        ),
        ({"ILLUSTRA_ENV": "staging"}, "ILLUSTRA_ENV must be"),
        ({"WORKER_THREADS": "0"}, "at least 1"),
    ],
)
def test_a_malformed_setting_is_named_in_the_error(env: dict, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        Settings.from_env(env)


def test_a_hard_limit_below_the_default_follows_a_raised_soft_limit() -> None:
    settings = Settings.from_env({"STAGE_SOFT_TIME_LIMIT_S": "3600"})
    assert settings.stage_hard_time_limit_s == 3600


def test_passwords_are_redacted_from_urls() -> None:
    assert redact("postgresql://app:s3cret@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STAGE_MAX_RETRIES": "x"}, "STAGE_MAX_RETRIES must be a whole number, not 'x'"),
        ({"ILLUSTRA_QUOTA_BYTES": "1.5"}, "ILLUSTRA_QUOTA_BYTES must be a whole number, not '1.5'"),
        ({"ILLUSTRA_LEASE_S": "soon"}, "ILLUSTRA_LEASE_S must be a number, not 'soon'"),
        ({"LLM_TIMEOUT_S": "0"}, "LLM_TIMEOUT_S must be at least 0.1, not '0'"),
        ({"EXTRACT_MEMORY_LIMIT_MIB": "32"}, "EXTRACT_MEMORY_LIMIT_MIB must be at least 64, not '32'"),
        ({"LLM_MASK_PII": "maybe"}, "LLM_MASK_PII must be 1 or 0 (true or false), not 'maybe'"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of 'json' or 'text', not 'xml'"),
        ({"ILLUSTRA_AUTH": "yes"}, "ILLUSTRA_AUTH must be one of 'required' or 'disabled', not 'yes'"),
        ({"EXTRACTOR_MODE": "gpt"}, "EXTRACTOR_MODE must be one of 'rules', 'llm' or 'hybrid', not 'gpt'"),
    ],
)
def test_the_error_names_the_variable_and_what_it_must_be(env: dict, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.from_env(env)
    assert str(raised.value) == message


def test_settings_come_from_the_given_mapping_alone(monkeypatch) -> None:
    monkeypatch.setenv("WORKER_THREADS", "3")
    monkeypatch.setenv("ILLUSTRA_ENV", "demo")
    assert (Settings.from_env({}).worker_threads, Settings.from_env({}).environment) == (8, "dev")
    assert (Settings.from_env().worker_threads, Settings.from_env().environment) == (3, "demo")
    assert Settings().worker_threads == 8


def test_an_empty_variable_keeps_the_default() -> None:
    settings = Settings.from_env({"WORKER_PROCESSES": "", "ILLUSTRA_QUEUE": "", "BROKER_URL": ""})
    assert (settings.worker_processes, settings.queue_name, settings.broker_url) == (
        2,
        "illustra",
        "redis://127.0.0.1:6379/0",
    )


def test_the_model_raises_the_defaults_of_the_worker_and_the_mode_follows_the_key() -> None:
    rules = Settings.from_env({})
    assert (rules.extractor_mode, rules.worker_threads, rules.worker_prefetch) == ("rules", 8, 8)
    hybrid = Settings.from_env({"LLM_API_KEY": "sk-test"})
    assert (hybrid.extractor_mode, hybrid.worker_threads, hybrid.worker_prefetch) == ("hybrid", 128, 1)
    chosen = Settings.from_env({"LLM_API_KEY": "sk-test", "EXTRACTOR_MODE": "rules", "WORKER_THREADS": "4"})
    assert (chosen.extractor_mode, chosen.worker_threads, chosen.worker_prefetch) == ("rules", 4, 8)
    assert "sk-test" not in repr(hybrid)


def test_a_default_page_size_above_the_largest_is_the_largest() -> None:
    assert Settings.from_env({"PAGE_SIZE_MAX": "5"}).page_size_default == 5


# The command line's own variables (the local stack's ports): read by `illustra up` and `demo`, not by a service.
CLI_VARIABLES = {"ILLUSTRA_PORT", "ILLUSTRA_GATEWAY_PORT", "ILLUSTRA_STATUS_PORT"}


def test_readme_lists_every_variable_of_the_settings_and_no_other() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    tables = readme[readme.index("### LLM extraction") : readme.index("## Security")]
    documented = {
        name
        for row in tables.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])
    }
    read: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            read.update(str(choice) for choice in alias.choices)
        else:
            read.add(str(alias or name.upper()))
    assert documented - CLI_VARIABLES == read
