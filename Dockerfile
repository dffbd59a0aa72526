# One image for every vistka service (migrate, workers, beat, Flower): see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README* ./
COPY ingest ingest
COPY storage storage
COPY workers workers
RUN pip install . && rm -rf /src

# Non-root (Celery refuses to be comfortable as root, and so should we); /data is the only
# writable place besides the /tmp tmpfs, and a named volume mounted there inherits this owner.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin vistka \
    && mkdir -p /data && chown vistka:vistka /data
USER 10001:10001
WORKDIR /data
ENV VISTKA_DATA_DIR=/data

CMD ["vistka", "--help"]
