"""A small, faithful rebuild of the Celery + Redis + Django design that illustra replaces, for benchmarks only.

- ``tasks``: three Celery tasks, each starting the next with ``.delay()``, each opening its own PostgreSQL
  connection (Django ``CONN_MAX_AGE = 0``), writing progress (stage, percentage, ``last_processed_at``) at its
  start and end in autocommit (Django's default), and storing its results; ``max_retries=2`` with a countdown.
- ``web``: the save view as a plain WSGI app (validate, insert the document, ``.delay()`` the first task).
- ``schema``: the tables, created in a throwaway database.

Configured from the environment: ``CELERY_BASELINE_DATABASE_URL``, ``CELERY_BASELINE_BROKER_URL`` and
``CELERY_BASELINE_QUEUE``; ``CELERY_BASELINE_LLM_BASE_URL`` makes every task ask that model once. The worker runs as
``celery -A celery_baseline.tasks worker --pool=prefork --concurrency=4 --max-tasks-per-child=50``.
"""
