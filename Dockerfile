# illustra's images, one build target per service, from the repository root:
#   docker build --target gateway   -t illustra/gateway .
#   docker build --target status    -t illustra/status .
#   docker build --target extractor -t illustra/extractor .
# Each holds the `illustra` command with its service's package and what the lock file (uv.lock) pins for it: the
# extractor has no falcon or gunicorn, the gateway and the status service no openai.

# ---- workspace: uv and the packages' sources ----------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS workspace

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY shared/ shared/
COPY services/ services/
COPY cli/ cli/

# ---- one virtual environment per service: the command with that service's extra, as wheels, from the lock ---
FROM workspace AS gateway-venv
RUN uv sync --frozen --no-dev --no-editable --package illustra --extra gateway

FROM workspace AS status-venv
RUN uv sync --frozen --no-dev --no-editable --package illustra --extra status

FROM workspace AS extractor-venv
RUN uv sync --frozen --no-dev --no-editable --package illustra --extra extractor

# ---- runtime: a slim image, a non-root user ------------------------------------------------------------------
FROM python:3.11.13-slim-bookworm AS runtime

# The root filesystem is read-only in Kubernetes: no .pyc writes; temporary files (and the Prometheus
# multiprocess directory) go to /tmp, an emptyDir there.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    ILLUSTRA_METRICS_PORT=9100 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus

RUN groupadd --system --gid 10001 illustra \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin illustra

WORKDIR /tmp
ENTRYPOINT ["illustra"]

# ---- the services --------------------------------------------------------------------------------------------
FROM runtime AS gateway
COPY --from=gateway-venv /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8000 9100
CMD ["serve", "gateway", "--bind", "0.0.0.0:8000"]

FROM runtime AS status
COPY --from=status-venv /opt/venv /opt/venv
USER 10001:10001
EXPOSE 8000 9100
CMD ["serve", "status", "--bind", "0.0.0.0:8000"]

FROM runtime AS extractor
COPY --from=extractor-venv /opt/venv /opt/venv
USER 10001:10001
EXPOSE 9100
CMD ["worker", "--shutdown-timeout", "1860"]
