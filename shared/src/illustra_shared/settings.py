"""Settings read from the environment, once, into an immutable object that is passed to whoever needs it.

The Celery-era knobs map as: CELERY_BROKER_URL -> BROKER_URL (or REDIS_URL), --concurrency -> WORKER_PROCESSES x
WORKER_THREADS, task_soft_time_limit / task_time_limit -> STAGE_SOFT_TIME_LIMIT_S / STAGE_HARD_TIME_LIMIT_S,
max_retries / countdown -> STAGE_MAX_RETRIES / STAGE_MIN_BACKOFF_S / STAGE_MAX_BACKOFF_S.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import ConfigurationError

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/illustra"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
MIB = 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, not {value}")
    return value


EXTRACTOR_MODES = ("rules", "llm", "hybrid")
# WORKER_THREADS when the extractor asks a model (llm, hybrid): 2 processes x 128 = 256 calls in flight a pod.
LLM_WORKER_THREADS = 128


def _extractor_mode(env: Mapping[str, str]) -> str:
    mode = env.get("EXTRACTOR_MODE") or ("hybrid" if env.get("LLM_API_KEY") else "rules")
    if mode not in EXTRACTOR_MODES:
        raise ConfigurationError(f"EXTRACTOR_MODE must be one of {', '.join(EXTRACTOR_MODES)}, not {mode!r}")
    return mode


def _auth_required(env: Mapping[str, str]) -> bool:
    value = env.get("ILLUSTRA_AUTH") or "disabled"
    if value not in ("required", "disabled"):
        raise ConfigurationError(f"ILLUSTRA_AUTH must be required or disabled, not {value!r}")
    return value == "required"


@dataclass(frozen=True)
class Settings:
    environment: str = "dev"
    database_url: str = DEFAULT_DATABASE_URL
    broker_url: str = DEFAULT_REDIS_URL
    # Key prefix of the Redis broker; lets several deployments (or test runs) share one Redis.
    broker_namespace: str = "dramatiq"
    queue_name: str = "illustra"
    # Fairness between users: a document whose user already has this many unfinished documents starts in the bulk
    # queue, which workers take from only when they have nothing from the main queue (0: never).
    bulk_after: int = 10
    max_body_bytes: int = 10 * MIB
    stage_soft_time_limit_s: float = 25 * 60
    stage_hard_time_limit_s: float = 30 * 60
    stage_max_retries: int = 2
    # Failures because the database or the broker is unreachable are not the stage's fault: they get a budget of
    # their own, so a database restart delays documents instead of failing them.
    stage_max_retries_unavailable: int = 20
    stage_min_backoff_s: float = 5.0
    stage_max_backoff_s: float = 300.0
    worker_processes: int = 2
    # Stages spend most of their time waiting on PostgreSQL and Redis: threads overlap the waits.
    worker_threads: int = 8
    # How many messages each worker thread may hold ahead of time (dramatiq_queue_prefetch).
    worker_prefetch: int = 8
    # How long an idle consumer blocks waiting for a message (an enqueue wakes it at once) before it looks after
    # its acknowledgements, delayed messages and heartbeat.
    worker_idle_wait_ms: int = 100
    # A worker process is replaced after this many messages or past this resident size (0: never).
    worker_max_messages: int = 10_000
    worker_max_memory_mib: int = 512
    # A running stage renews its lease every third of this; a lease this old means its worker is gone.
    lease_s: float = 30.0
    # A document in an unfinished stage with no progress and no live stage for this long is enqueued again.
    reconcile_after_s: float = 300.0
    # An unfinished document without progress for this long counts as stuck (metrics, alerts): longer than a
    # stage's hard time limit plus the longest retry backoff, so a slow but live stage is not called stuck.
    stuck_after_s: float = 2400.0
    # required: every API request carries a bearer token; disabled: a token is optional (the body's user_id
    # is trusted when there is none).
    auth_required: bool = False
    token_cache_s: float = 30.0
    # Submissions per user: at most submit_limit in each window of submit_window_s seconds.
    submit_limit: int = 120
    submit_window_s: int = 60
    # Redis for what is not the broker (rate limits); the broker's own Redis unless set.
    redis_url: str = DEFAULT_REDIS_URL
    page_size_default: int = 20
    page_size_max: int = 100
    log_level: str = "INFO"
    # rules, llm or hybrid; hybrid when an LLM key is set, rules otherwise.
    extractor_mode: str = "rules"
    extra: Mapping[str, str] = field(default_factory=dict)
    # Documents (with their results, attempts and cached LLM replies) older than this many days are deleted by
    # `illustra purge` (the CronJob illustra-purge); 0 keeps them.
    retention_days: int = 0
    # What one user may keep stored at once: documents, and bytes of text (0: no limit).
    quota_documents: int = 10_000
    quota_bytes: int = 1024 * MIB
    # What extraction accepts (a document past these fails with the reason) and how it is bounded: a document
    # within extract_inline_max_chars and extract_inline_max_line_chars is extracted in the worker itself (even a
    # pattern quadratic in its line length would end within a fraction of a second, and the supervisor kills a
    # process stalled for worker_stall_s); a larger one in one of extract_sandboxes child processes per worker
    # process (0: in the worker itself too), each stopped past its CPU time or address space.
    extract_max_chars: int = 1_000_000
    extract_max_line_chars: int = 100_000
    extract_max_cells: int = 20_000
    extract_cpu_limit_s: int = 20
    extract_memory_limit_mib: int = 1024
    extract_sandboxes: int = 2
    extract_inline_max_chars: int = 10_000
    extract_inline_max_line_chars: int = 1_000
    # A worker process none of whose threads could run for this long (one holds the interpreter lock in C code,
    # as a regular expression does) is killed and replaced by the supervisor.
    worker_stall_s: float = 20.0
    # A stage abandoned this many times (its worker died while running it) is poison: its document fails.
    stage_max_abandoned: int = 3
    # PostgreSQL connections each extractor process may hold at once (its pool): stages take one only around
    # their own queries, never across a model call, so a few serve hundreds of threads.
    worker_db_connections: int = 4
    # Model calls in flight at once per pod (the processes of one ``illustra worker``), shared evenly between its
    # processes.
    llm_max_in_flight: int = 256

    @property
    def bulk_queue_name(self) -> str:
        return f"{self.queue_name}.bulk"

    @property
    def queue_names(self) -> tuple[str, str]:
        """The stage queues: the main one first, then the bulk one."""
        return (self.queue_name, self.bulk_queue_name)

    @property
    def is_demo(self) -> bool:
        return self.environment == "demo"

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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        environment = env.get("ILLUSTRA_ENV", "dev")
        if environment not in ("dev", "prod", "demo", "test"):
            raise ConfigurationError(f"ILLUSTRA_ENV must be dev, prod, demo or test, not {environment!r}")
        soft = _float(env, "STAGE_SOFT_TIME_LIMIT_S", cls.stage_soft_time_limit_s)
        hard = _float(env, "STAGE_HARD_TIME_LIMIT_S", max(cls.stage_hard_time_limit_s, soft))
        if hard < soft:
            raise ConfigurationError("STAGE_HARD_TIME_LIMIT_S must not be below STAGE_SOFT_TIME_LIMIT_S")
        page_size_max = _int(env, "PAGE_SIZE_MAX", cls.page_size_max, minimum=1)
        extractor_mode = _extractor_mode(env)
        # A stage that asks the model waits seconds to minutes on it: then the threads, not the CPU, bound how
        # many documents a process works on, and each thread takes one message at a time.
        waits_on_model = extractor_mode != "rules"
        return cls(
            environment=environment,
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            broker_url=env.get("BROKER_URL") or env.get("REDIS_URL") or DEFAULT_REDIS_URL,
            broker_namespace=env.get("BROKER_NAMESPACE") or cls.broker_namespace,
            queue_name=env.get("ILLUSTRA_QUEUE") or cls.queue_name,
            bulk_after=_int(env, "ILLUSTRA_BULK_AFTER", cls.bulk_after),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", cls.max_body_bytes, minimum=1),
            stage_soft_time_limit_s=soft,
            stage_hard_time_limit_s=hard,
            stage_max_retries=_int(env, "STAGE_MAX_RETRIES", cls.stage_max_retries),
            stage_max_retries_unavailable=_int(
                env, "STAGE_MAX_RETRIES_UNAVAILABLE", cls.stage_max_retries_unavailable
            ),
            stage_min_backoff_s=_float(env, "STAGE_MIN_BACKOFF_S", cls.stage_min_backoff_s),
            stage_max_backoff_s=_float(env, "STAGE_MAX_BACKOFF_S", cls.stage_max_backoff_s),
            worker_processes=_int(env, "WORKER_PROCESSES", cls.worker_processes, minimum=1),
            worker_threads=_int(
                env, "WORKER_THREADS", LLM_WORKER_THREADS if waits_on_model else cls.worker_threads, minimum=1
            ),
            worker_prefetch=_int(
                env, "WORKER_PREFETCH", 1 if waits_on_model else cls.worker_prefetch, minimum=1
            ),
            worker_idle_wait_ms=_int(env, "WORKER_IDLE_WAIT_MS", cls.worker_idle_wait_ms, minimum=1),
            worker_max_messages=_int(env, "WORKER_MAX_MESSAGES", cls.worker_max_messages),
            worker_max_memory_mib=_int(env, "WORKER_MAX_MEMORY_MIB", cls.worker_max_memory_mib),
            lease_s=_float(env, "ILLUSTRA_LEASE_S", cls.lease_s),
            reconcile_after_s=_float(env, "ILLUSTRA_RECONCILE_AFTER_S", cls.reconcile_after_s),
            stuck_after_s=_float(env, "ILLUSTRA_STUCK_AFTER_S", cls.stuck_after_s),
            auth_required=_auth_required(env),
            token_cache_s=_float(env, "ILLUSTRA_TOKEN_CACHE_S", cls.token_cache_s),
            submit_limit=_int(env, "ILLUSTRA_SUBMIT_LIMIT", cls.submit_limit, minimum=1),
            submit_window_s=_int(env, "ILLUSTRA_SUBMIT_WINDOW_S", cls.submit_window_s, minimum=1),
            redis_url=env.get("REDIS_URL") or DEFAULT_REDIS_URL,
            page_size_default=min(
                _int(env, "PAGE_SIZE_DEFAULT", cls.page_size_default, minimum=1), page_size_max
            ),
            page_size_max=page_size_max,
            log_level=(env.get("LOG_LEVEL") or cls.log_level).upper(),
            extractor_mode=extractor_mode,
            extra={k: v for k, v in env.items() if k.startswith(("ILLUSTRA_", "LLM_", "EXTRACTOR_"))},
            retention_days=_int(env, "ILLUSTRA_RETENTION_DAYS", cls.retention_days),
            quota_documents=_int(env, "ILLUSTRA_QUOTA_DOCUMENTS", cls.quota_documents),
            quota_bytes=_int(env, "ILLUSTRA_QUOTA_BYTES", cls.quota_bytes),
            extract_max_chars=_int(env, "EXTRACT_MAX_CHARS", cls.extract_max_chars, minimum=1),
            extract_max_line_chars=_int(env, "EXTRACT_MAX_LINE_CHARS", cls.extract_max_line_chars, minimum=1),
            extract_max_cells=_int(env, "EXTRACT_MAX_CELLS", cls.extract_max_cells),
            extract_cpu_limit_s=_int(env, "EXTRACT_CPU_LIMIT_S", cls.extract_cpu_limit_s, minimum=1),
            extract_memory_limit_mib=_int(
                env, "EXTRACT_MEMORY_LIMIT_MIB", cls.extract_memory_limit_mib, minimum=64
            ),
            extract_sandboxes=_int(env, "EXTRACT_SANDBOXES", cls.extract_sandboxes),
            extract_inline_max_chars=_int(env, "EXTRACT_INLINE_MAX_CHARS", cls.extract_inline_max_chars),
            extract_inline_max_line_chars=_int(
                env, "EXTRACT_INLINE_MAX_LINE_CHARS", cls.extract_inline_max_line_chars
            ),
            worker_stall_s=_float(env, "WORKER_STALL_S", cls.worker_stall_s),
            stage_max_abandoned=_int(env, "STAGE_MAX_ABANDONED", cls.stage_max_abandoned, minimum=1),
            worker_db_connections=_int(env, "WORKER_DB_CONNECTIONS", cls.worker_db_connections, minimum=1),
            llm_max_in_flight=_int(env, "LLM_MAX_IN_FLIGHT", cls.llm_max_in_flight, minimum=1),
        )
