# illustra gateway: accepts documents (POST /api/ocr/save/) and starts the pipeline.
# Build from the repository root: docker build -f services/gateway/Dockerfile -t illustra/gateway .
# Every illustra image holds the whole project (one Python package); only the command differs.

# ---- builder: install the project and its dependencies into a virtual environment -------------------------
FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY illustra/ illustra/
COPY shared/ shared/
COPY services/ services/
RUN pip install --no-cache-dir . \
    && python -m compileall -q /opt/venv/lib

# ---- runtime: the virtual environment on a slim image, as a non-root user ----------------------------------
FROM python:3.11.13-slim-bookworm

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

COPY --from=builder /opt/venv /opt/venv

USER 10001:10001
WORKDIR /tmp
EXPOSE 8000 9100
ENTRYPOINT ["illustra"]
CMD ["serve", "gateway", "--bind", "0.0.0.0:8000"]
