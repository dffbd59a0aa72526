"""The Celery app: queues, routes, delivery guarantees and the beat schedule, built from Settings.

The settings here are the ones the reliability study found to hold under faults: late acks with
reject-and-retry on worker loss (bounded), prefetch 1, JSON only, no result backend (state lives in
our tables), a visibility timeout above every countdown plus time limit, and a database-driven
dispatcher as the only beat entry that matters (per-feed schedules are rows, not beat entries).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import (
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)
from kombu import Exchange, Queue

from storage.db import dispose_engines
from workers import broker_files
from workers.queue_names import QUEUES
from workers.settings import Settings, get_settings

ROUTES = {
    "vistka.dispatch": {"queue": "control"},
    "vistka.sweep": {"queue": "control"},
    "vistka.poll_feed": {"queue": "feeds"},
    "vistka.fetch_article": {"queue": "fetch"},
    "vistka.extract_article": {"queue": "extract"},
    "vistka.report": {"queue": "reports"},
}
MAX_COUNTDOWN = 300  # seconds; longer waits are written to the database (next_poll_at, leases)


BRPOP_SECONDS = 0.25


def broker_options(settings: Settings) -> dict[str, Any]:
    if settings.embedded:
        base = settings.broker_dir
        for sub in ("queue", "processed", "control"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(base / "queue"),
            "data_folder_out": str(base / "queue"),
            "processed_folder": str(base / "processed"),
            "control_folder": str(base / "control"),
            "store_processed": False,
            "polling_interval": 0.2,
        }
    vt = settings.visibility_timeout
    return {
        "visibility_timeout": vt,
        "socket_timeout": 15,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
        "health_check_interval": 10,
        # The longest wait of an idle consumer's BRPOP (kombu: 1 s). A worker that stops waits
        # for its BRPOP to answer, so that a message it pops is not lost, and every stop took up
        # to that long; an idle worker now asks Redis four times a second instead of once.
        "polling_interval": BRPOP_SECONDS,
        # Unacked messages are looked at about every interval * throttle seconds: ~30 s by default,
        # sooner with a short visibility timeout so recovery keeps pace with it.
        "unacked_restore_interval": max(1, min(10, vt // 5)),
        "unacked_restore_throttle": 3 if vt >= 300 else 1,
    }


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {
        "dispatch-due-feeds": {
            "task": "vistka.dispatch",
            "schedule": settings.dispatch_every,
            "options": {"expires": max(1.0, settings.dispatch_every * 0.9)},
        },
        "sweep-pending-work": {
            "task": "vistka.sweep",
            "schedule": max(10.0, settings.sweep_after / 2),
            "options": {"expires": 30},
        },
        "daily-follow-up-report": {
            "task": "vistka.report",
            "schedule": crontab(hour=settings.report_hour, minute=0),
        },
    }


def configure(app: Celery, settings: Settings) -> None:
    app.conf.update(
        broker_url=settings.broker,
        broker_transport_options=broker_options(settings),
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        task_publish_retry=True,
        task_publish_retry_policy={
            "max_retries": 5,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 3,
        },
        task_serializer="json",
        result_serializer="json",
        event_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_retry_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_soft_shutdown_timeout=10.0,
        task_soft_time_limit=90,
        task_time_limit=120,
        worker_max_tasks_per_child=500,
        worker_max_memory_per_child=400_000,
        task_create_missing_queues=False,
        task_queues=[Queue(q, Exchange(q, type="direct"), routing_key=q) for q in QUEUES],
        task_default_queue="control",
        task_routes=ROUTES,
        worker_disable_rate_limits=True,
        # Celery's prefork pool, whose warm stop no longer waits out a timer thread's sleep.
        worker_pool="workers.prefork:TaskPool",
        # Task events cost about 2.5 ms of CPU per article (four messages per task); Flower
        # switches them on in every worker while it runs, so nobody pays for them unwatched.
        worker_send_task_events=settings.task_events and not settings.embedded,
        task_send_sent_event=settings.task_events and not settings.embedded,
        worker_enable_remote_control=not settings.embedded,
        worker_hijack_root_logger=False,
        timezone=settings.report_timezone,
        enable_utc=True,
        beat_max_loop_interval=min(15.0, settings.dispatch_every),
        beat_schedule=beat_schedule(settings),
    )


# The embedded broker writes each message whole (see workers.broker_files).
broker_files.register()


def create_app(settings: Settings | None = None) -> Celery:
    app = Celery("vistka", include=["workers.tasks"])
    configure(app, settings or get_settings())
    return app


app = create_app()


@worker_process_init.connect
def _fresh_connections_after_fork(**_: Any) -> None:
    dispose_engines()


@worker_init.connect
def _warm_up_before_fork(sender: Any = None, **_: Any) -> None:
    """Prefork workers load the extraction's data before forking (the thread pool needs none)."""
    from celery.concurrency.prefork import TaskPool as PreforkPool

    pool = getattr(sender, "pool_cls", None)
    if isinstance(pool, type) and issubclass(pool, PreforkPool):
        from workers import extracting

        extracting.warm_up(get_settings())
        # Kept out of the collector from here on: the children share these pages with this
        # process instead of copying the ones a collection would touch, their collections are
        # shorter, and each exit is quicker (no last pass over them).
        gc.freeze()


# Logging (task context, secrets masked) and the per-worker metrics exporter.
from workers import logs, metrics  # noqa: E402

logs.connect_signals()
metrics.connect_signals()


@worker_shutdown.connect
def _no_last_collection(**_: Any) -> None:
    """A stopping worker's objects are kept out of the collector: the interpreter's last
    collections over everything Celery and the pipeline loaded took about 0.15 s of each stop,
    to free memory the exit returns anyway."""
    gc.freeze()


@worker_process_shutdown.connect
def _leave_at_once(exitcode: int | None = None, **_: Any) -> None:
    """A pool process told to stop exits here, at once.

    billiard's pool process, once this signal is sent, tells the pool it is exiting and sleeps a
    second for the pool to kill it; a pool that is itself stopping only waits for it to exit, so
    every warm shutdown took that second (an idle extraction worker stopped in 1.95 s). A clean
    stop is exit code 0 only: a recycle (after ``worker_max_tasks_per_child``) or a failure keeps
    billiard's way, since the running pool reads that message to replace the process. Connected
    last, so every other receiver has run.
    """
    if exitcode == 0:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
