"""Settings read from the environment, once, into an immutable object that is passed to whoever needs it.

Every variable a service reads is a field here; its variable is the field's name in capitals unless an alias says
otherwise. The Celery-era knobs map as: CELERY_BROKER_URL -> BROKER_URL (or REDIS_URL), --concurrency ->
WORKER_PROCESSES x WORKER_THREADS, task_soft_time_limit / task_time_limit -> STAGE_SOFT_TIME_LIMIT_S /
STAGE_HARD_TIME_LIMIT_S, max_retries / countdown -> STAGE_MAX_RETRIES / STAGE_MIN_BACKOFF_S / STAGE_MAX_BACKOFF_S.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from .errors import ConfigurationError

MIB = 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# WORKER_THREADS when the extractor asks a model (llm, hybrid): 2 processes x 128 = 256 calls in flight a pod.
LLM_WORKER_THREADS = 128

ExtractorMode = Literal["rules", "llm", "hybrid"]
Count = Annotated[int, Field(ge=0)]
PositiveCount = Annotated[int, Field(ge=1)]
Seconds = Annotated[float, Field(gt=0)]

# What a value must be, by the kind of error pydantic found, in the words the messages have always used.
_MUST_BE = {
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "1 or 0 (true or false)",
    "greater_than_equal": "at least {ge}",
    "greater_than": "positive",  # every strict lower bound here is 0
    "literal_error": "one of {expected}",
}


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of ``os.environ``, so settings can be
    built from exactly the variables a caller (a test) passes."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._env, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class Settings(BaseSettings):
    # Fields are validated in this order: a default that follows another field comes after it.
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, extra="ignore")

    environment: Literal["dev", "prod", "demo", "test"] = Field("dev", validation_alias="ILLUSTRA_ENV")
    database_url: str = "postgresql://postgres@127.0.0.1:5432/illustra"
    # Redis for what is not the broker (rate limits); the broker's own Redis unless set.
    redis_url: str = DEFAULT_REDIS_URL
    broker_url: str = Field(DEFAULT_REDIS_URL, validation_alias=AliasChoices("BROKER_URL", "REDIS_URL"))
    # Key prefix of the Redis broker; lets several deployments (or test runs) share one Redis.
    broker_namespace: str = "dramatiq"
    queue_name: str = Field("illustra", validation_alias="ILLUSTRA_QUEUE")
    # Fairness between users: a document whose user already has this many unfinished documents starts in the bulk
    # queue, which workers take from only when they have nothing from the main queue (0: never).
    bulk_after: Count = Field(10, validation_alias="ILLUSTRA_BULK_AFTER")
    max_body_bytes: PositiveCount = 10 * MIB
    stage_soft_time_limit_s: Seconds = 25 * 60
    stage_hard_time_limit_s: Seconds = Field(
        default_factory=lambda data: max(30 * 60, data["stage_soft_time_limit_s"])
    )
    stage_max_retries: Count = 2
    # Failures because the database or the broker is unreachable are not the stage's fault: they get a budget of
    # their own, so a database restart delays documents instead of failing them.
    stage_max_retries_unavailable: Count = 20
    stage_min_backoff_s: Seconds = 5.0
    stage_max_backoff_s: Seconds = 300.0
    # The LLM: where it is, and how the extractor calls it.
    llm_base_url: str = "https://api.deepseek.com"
    llm_api_key: str = Field("", repr=False)  # a settings object in a log or a traceback never shows the key
    llm_model: str = "deepseek-chat"
    llm_timeout_s: Annotated[float, Field(ge=0.1)] = 120.0
    llm_max_attempts: PositiveCount = 3  # calls in total per request, the first included
    llm_backoff_s: Annotated[float, Field(ge=0)] = 1.0  # first wait between attempts; doubles, with jitter
    # On unless LLM_MASK_PII=0 says otherwise: personal data never leaves by default.
    llm_mask_pii: bool = True
    # Model calls in flight at once per pod (the processes of one ``illustra worker``), shared evenly between its
    # processes.
    llm_max_in_flight: PositiveCount = 256
    # rules, llm or hybrid; hybrid when an LLM key is set, rules otherwise.
    extractor_mode: ExtractorMode = Field(
        default_factory=lambda data: "hybrid" if data["llm_api_key"] else "rules"
    )
    worker_processes: PositiveCount = 2
    # Stages spend most of their time waiting on PostgreSQL and Redis: threads overlap the waits. A stage that
    # asks the model waits seconds to minutes on it: then the threads, not the CPU, bound how many documents a
    # process works on, and each thread takes one message at a time.
    worker_threads: PositiveCount = Field(
        default_factory=lambda data: 8 if data["extractor_mode"] == "rules" else LLM_WORKER_THREADS
    )
    # How many messages each worker thread may hold ahead of time (dramatiq_queue_prefetch).
    worker_prefetch: PositiveCount = Field(
        default_factory=lambda data: 8 if data["extractor_mode"] == "rules" else 1
    )
    # How long an idle consumer blocks waiting for a message (an enqueue wakes it at once) before it looks after
    # its acknowledgements, delayed messages and heartbeat.
    worker_idle_wait_ms: PositiveCount = 100
    # A worker process is replaced after this many messages or past this resident size (0: never).
    worker_max_messages: Count = 10_000
    worker_max_memory_mib: Count = 512
    # How long a stopping worker process lets its running stages finish (`illustra worker --shutdown-timeout`).
    shutdown_timeout_s: Seconds = Field(60.0, validation_alias="ILLUSTRA_SHUTDOWN_TIMEOUT_S")
    # A running stage renews its lease every third of this; a lease this old means its worker is gone.
    lease_s: Seconds = Field(30.0, validation_alias="ILLUSTRA_LEASE_S")
    # A document in an unfinished stage with no progress and no live stage for this long is enqueued again.
    reconcile_after_s: Seconds = Field(300.0, validation_alias="ILLUSTRA_RECONCILE_AFTER_S")
    # An unfinished document without progress for this long counts as stuck (metrics, alerts): longer than a
    # stage's hard time limit plus the longest retry backoff, so a slow but live stage is not called stuck.
    stuck_after_s: Seconds = Field(2400.0, validation_alias="ILLUSTRA_STUCK_AFTER_S")
    # required: every API request carries a bearer token; disabled: a token is optional (the body's user_id
    # is trusted when there is none).
    auth: Literal["required", "disabled"] = Field("disabled", validation_alias="ILLUSTRA_AUTH")
    token_cache_s: Seconds = Field(30.0, validation_alias="ILLUSTRA_TOKEN_CACHE_S")
    # Submissions per user: at most submit_limit in each window of submit_window_s seconds.
    submit_limit: PositiveCount = Field(120, validation_alias="ILLUSTRA_SUBMIT_LIMIT")
    submit_window_s: PositiveCount = Field(60, validation_alias="ILLUSTRA_SUBMIT_WINDOW_S")
    page_size_max: PositiveCount = 100
    page_size_default: PositiveCount = 20  # at most page_size_max
    log_level: Annotated[str, AfterValidator(str.upper)] = "INFO"
    log_format: Literal["json", "text"] = "json"  # text: for a person at a terminal
    # Port of the service's metrics server (0: none, as in tests and the demo).
    metrics_port: Count = Field(0, validation_alias="ILLUSTRA_METRICS_PORT")
    # gunicorn's processes and threads for the gateway and the status service, and how long a stopping worker
    # may finish its requests.
    web_workers: PositiveCount = 2
    web_threads: PositiveCount = 4
    web_graceful_timeout_s: Count = 20
    # Documents (with their results, attempts and cached LLM replies) older than this many days are deleted by
    # `illustra purge` (the CronJob illustra-purge); 0 keeps them.
    retention_days: Count = Field(0, validation_alias="ILLUSTRA_RETENTION_DAYS")
    # What one user may keep stored at once: documents, and bytes of text (0: no limit).
    quota_documents: Count = Field(10_000, validation_alias="ILLUSTRA_QUOTA_DOCUMENTS")
    quota_bytes: Count = Field(1024 * MIB, validation_alias="ILLUSTRA_QUOTA_BYTES")
    # What extraction accepts (a document past these fails with the reason) and how it is bounded: a document
    # within extract_inline_max_chars and extract_inline_max_line_chars is extracted in the worker itself (even a
    # pattern quadratic in its line length would end within a fraction of a second, and the supervisor kills a
    # process stalled for worker_stall_s); a larger one in one of extract_sandboxes child processes per worker
    # process (0: in the worker itself too), each stopped past its CPU time or address space.
    extract_max_chars: PositiveCount = 1_000_000
    extract_max_line_chars: PositiveCount = 100_000
    extract_max_cells: Count = 20_000
    extract_cpu_limit_s: PositiveCount = 20
    extract_memory_limit_mib: Annotated[int, Field(ge=64)] = 1024
    extract_sandboxes: Count = 2
    extract_inline_max_chars: Count = 10_000
    extract_inline_max_line_chars: Count = 1_000
    # A worker process none of whose threads could run for this long (one holds the interpreter lock in C code,
    # as a regular expression does) is killed and replaced by the supervisor.
    worker_stall_s: Seconds = 20.0
    # A stage abandoned this many times (its worker died while running it) is poison: its document fails.
    stage_max_abandoned: PositiveCount = 3
    # PostgreSQL connections each extractor process may hold at once (its pool): stages take one only around
    # their own queries, never across a model call, so a few serve hundreds of threads.
    worker_db_connections: PositiveCount = 4

    @field_validator("stage_hard_time_limit_s")
    @classmethod
    def _hard_limit_not_below_soft(cls, value: float, info: ValidationInfo) -> float:
        if value < info.data.get("stage_soft_time_limit_s", 0):
            raise ValueError(f"at least STAGE_SOFT_TIME_LIMIT_S ({info.data['stage_soft_time_limit_s']:g})")
        return value

    @field_validator("page_size_default")
    @classmethod
    def _page_size_default_within_max(cls, value: int, info: ValidationInfo) -> int:
        maximum: int = info.data.get("page_size_max", value)
        return min(value, maximum)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """``Settings()`` holds the defaults; the environment is read by ``from_env`` alone."""
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (this process's environment by default); an unset or empty variable keeps its
        default. A malformed one raises ConfigurationError naming the variable."""
        source = _MappingSource(cls, os.environ if env is None else env)
        try:
            return cls(_build_sources=((source,), {}))
        except ValidationError as error:
            problem = error.errors()[0]
            variable = str(problem["loc"][0]).upper() if problem["loc"] else "a setting"
            must_be = _MUST_BE.get(problem["type"], problem["msg"].removeprefix("Value error, "))
            raise ConfigurationError(
                f"{variable} must be {must_be.format(**problem.get('ctx', {}))}, not {problem['input']!r}"
            ) from None

    @property
    def bulk_queue_name(self) -> str:
        return f"{self.queue_name}.bulk"

    @property
    def queue_names(self) -> tuple[str, str]:
        """The stage queues: the main one first, then the bulk one."""
        return (self.queue_name, self.bulk_queue_name)

    @property
    def auth_required(self) -> bool:
        return self.auth == "required"

    def refusal_to_serve(self, host: str | None) -> str | None:
        """Why a service must not start with these settings, serving on ``host`` (None: it serves nothing), or
        None. Without authentication anyone reaching the API reads every document: only a local run on the
        loopback interface may go without it."""
        if self.auth_required:
            return None
        if self.environment == "prod":
            return "ILLUSTRA_ENV=prod needs ILLUSTRA_AUTH=required: without it anyone can read every document"
        if host is not None and host not in LOOPBACK_HOSTS:
            return (
                f"serving on {host} without authentication would publish every document: set "
                "ILLUSTRA_AUTH=required (tokens from `illustra token create`), or bind 127.0.0.1"
            )
        return None
