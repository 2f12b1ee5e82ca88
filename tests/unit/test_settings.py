from __future__ import annotations

import pytest

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
