# Two stages: build the wheel and install it into a virtualenv, then copy only that
# virtualenv (the Alembic migrations travel inside the wheel) into a slim runtime that runs
# as an unprivileged user. Every install is pinned by requirements.lock (`make lock`).

FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock ./
RUN pip install --no-cache-dir --constraint requirements.lock build
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
# The runtime virtualenv gets no pip or setuptools: nothing in it installs anything.
RUN python -m build --wheel --outdir /dist \
    && python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install --no-cache-dir \
        --constraint requirements.lock /dist/*.whl

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    DATABASE_URL=sqlite:////data/career_mobility.db \
    LOG_FORMAT=json \
    WEB_CONCURRENCY=1 \
    PORT=8000
# /data belongs to group 0 and is group-writable: OpenShift runs images under an arbitrary
# uid in group 0, and that uid must be able to write the SQLite file.
RUN useradd --system --uid 10001 --gid 0 --home-dir /data --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown 10001:0 /data \
    && chmod 2775 /data
COPY --from=build /opt/venv /opt/venv
# The `app` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 10001:0
WORKDIR /data
EXPOSE 8000
# The probe reads PORT, as `serve` does, so `-e PORT=...` keeps the container healthy.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'); sys.exit(0 if urllib.request.urlopen(url, timeout=2).status == 200 else 1)"]
# `serve` upgrades the schema to head first (serialized by an advisory lock on PostgreSQL);
# set MIGRATE_ON_START=false and run `career-mobility migrate` once when you prefer a job.
# It listens on $PORT (8000 unless set).
CMD ["career-mobility", "serve", "--host", "0.0.0.0"]
