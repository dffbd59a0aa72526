"""Pipeline metrics for Prometheus, served by each worker when ``VISTKA_METRICS_PORT`` is set.

Prefork workers run tasks in child processes, so counters live in prometheus-client's
multiprocess files (one directory per worker, emptied when the worker starts) and the worker's
main process serves their sum. Every metric has labels, so no value file exists before the first
increment: the directory is chosen at ``worker_init``, before any task runs, and nothing written
earlier is lost. Labels are short codes from a fixed, small set (outcome, status, rule, reason):
never a feed, a host or a URL, which would explode the number of series.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery.signals import worker_init
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from prometheus_client import start_http_server as _serve

from storage.db import session_scope
from storage.models import Article
from workers.settings import Settings, get_settings

if TYPE_CHECKING:
    from workers.fetching import Fetched

log = logging.getLogger("vistka.metrics")

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
POLLS = Counter(
    "vistka_polls",
    "Feed polls by outcome (not_modified: HTTP 304 or same body).",
    ["outcome", "reason"],
)
ARTICLES = Counter(
    "vistka_articles",
    "Articles finished: stored, duplicate (by rule), failed (by reason code).",
    ["status", "reason"],
)
POLL_SECONDS = Histogram(
    "vistka_poll_duration_seconds", "Time to poll one feed.", ["outcome"], buckets=BUCKETS
)
FETCH_SECONDS = Histogram(
    "vistka_fetch_duration_seconds", "Time to fetch one article page.", ["outcome"], buckets=BUCKETS
)
EXTRACT_SECONDS = Histogram(
    "vistka_extract_duration_seconds",
    "Time to extract, deduplicate and store one article.",
    ["status"],
    buckets=BUCKETS,
)

_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def reason_code(reason: str | None) -> str:
    """``"http_404: Not Found for https://…"`` → ``"http_404"``; anything odd → ``"other"``."""
    if not reason:
        return "unknown"
    parts = [p.strip().lower() for p in reason.split(":")]
    head = parts[0]
    if head == "extraction" and len(parts) > 1:
        head = f"extraction_{parts[1]}"
    code = re.sub(r"[^a-z0-9_]+", "_", head).strip("_")[:40]
    return code if _CODE.fullmatch(code) else "other"


# --- what the tasks call (never let bookkeeping fail a task) ---------------------------------


def poll_done(outcome: str, reason: str | None, started: float) -> None:
    try:
        POLLS.labels(outcome, reason_code(reason) if reason else "").inc()
        POLL_SECONDS.labels(outcome).observe(time.monotonic() - started)
    except Exception:
        log.debug("metrics: poll not counted", exc_info=True)


def fetch_done(result: Fetched) -> None:
    """One page's fetch: ready, failed (by reason code) or to be retried."""
    try:
        outcome = "fetched" if result.ready else "retry" if result.retry else "skipped"
        if result.failure is not None:
            outcome = "failed"
            ARTICLES.labels("failed", reason_code(result.failure)).inc()
        FETCH_SECONDS.labels(outcome).observe(result.seconds)
    except Exception:
        log.debug("metrics: fetch not counted", exc_info=True)


def extract_done(article_id: int, status: str, rule: str | None, seconds: float) -> None:
    """One article's outcome; ``seconds`` is its share of the batch it was extracted in."""
    try:
        if status == "stored":
            ARTICLES.labels("stored", "").inc()
        elif status == "duplicate":
            ARTICLES.labels("duplicate", reason_code(rule)).inc()
        elif status == "failed":
            ARTICLES.labels("failed", _failure(article_id) or "unknown").inc()
        EXTRACT_SECONDS.labels(status).observe(seconds)
    except Exception:
        log.debug("metrics: extraction not counted", exc_info=True)


def _failure(article_id: int) -> str | None:
    """The failure code of an article the step just failed (None if it did not fail)."""
    with session_scope(get_settings().database) as s:
        art = s.get(Article, article_id)
        if art is None or art.status != "failed":
            return None
        return reason_code(art.fail_reason)


# --- the exporter -----------------------------------------------------------------------------


def metrics_dir(settings: Settings) -> Path:
    """``PROMETHEUS_MULTIPROC_DIR`` if set, else one directory per host and port."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        return Path(given)
    return (
        settings.data_dir / "metrics" / f"{socket.gethostname()}-{settings.metrics_port}"
    ).resolve()


def start_exporter(settings: Settings) -> int | None:
    """Empty this worker's metrics directory, switch to multiprocess values, serve /metrics."""
    port = settings.metrics_port
    if not port:
        return None
    path = metrics_dir(settings)
    if path.exists():
        for child in path.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    # The value class is chosen from the environment when prometheus_client is imported; choose
    # again now that the directory is set (no labelled child exists yet, so none is stranded).
    values.ValueClass = values.get_value_class()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(path))
    _serve(port, addr="0.0.0.0", registry=registry)
    log.info("metrics: serving /metrics on port %s", port)
    return port


def _on_worker_init(**_: Any) -> None:
    start_exporter(get_settings())


def connect_signals() -> None:
    """Called once by the Celery app (workers/app.py); idempotent."""
    worker_init.connect(_on_worker_init, weak=False, dispatch_uid="vistka.metrics.init")
