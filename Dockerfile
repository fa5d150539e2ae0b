# syntax=docker/dockerfile:1
# Two stages: build the wheel, then install only the wheel (migrations travel inside it)
# into a slim runtime that runs as an unprivileged user.

FROM python:3.11-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "build>=1.2,<2"
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN python -m build --wheel --outdir /dist

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DATABASE_URL=sqlite:////data/career_mobility.db \
    LOG_FORMAT=json \
    WEB_CONCURRENCY=1
RUN python -m venv /opt/venv \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /data --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm -f /tmp/*.whl
# The `app` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 10001:10001
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
# `serve` upgrades the schema to head first (serialized by an advisory lock on PostgreSQL);
# set MIGRATE_ON_START=false and run `career-mobility migrate` once when you prefer a job.
CMD ["career-mobility", "serve", "--host", "0.0.0.0", "--port", "8000"]
