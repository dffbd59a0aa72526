"""Starting the service's processes: worker (+ embedded beat), beat alone, Flower.

The embedded service takes an exclusive lock on its data directory: the filesystem broker and
SQLite are single-host, and two embedded services on one directory would both run beat.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import IO

from workers.processes import WorkerProcess, fork_worker, spawn_worker
from workers.queue_names import CPU_QUEUES, IO_QUEUES, QUEUES
from workers.settings import Settings


@contextmanager
def data_dir_lock(settings: Settings) -> Iterator[None]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "run.lock"
    handle: IO[str] = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RuntimeError(
            f"another vistka service is already running on {settings.data_dir.resolve()}"
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def worker_argv(
    settings: Settings,
    *,
    queues: Sequence[str] = QUEUES,
    concurrency: int | None = None,
    pool: str = "prefork",
    beat: bool = False,
    hostname: str | None = None,
    loglevel: str | None = None,
) -> list[str]:
    argv = [
        "worker",
        "--queues",
        ",".join(queues),
        "--concurrency",
        str(concurrency or settings.concurrency),
        "--pool",
        pool,
        "--loglevel",
        loglevel or settings.log_level,
        "--without-mingle",
        "--without-gossip",
    ]
    if hostname:
        argv += ["--hostname", hostname]
    if beat:
        argv += ["--beat", "--schedule", str((settings.data_dir / "celerybeat-schedule").resolve())]
    return argv


def service_argvs(settings: Settings, *, beat: bool) -> dict[str, list[str]]:
    """The two workers of a one-machine service: threads for the network, processes for CPU."""
    return {
        "io": worker_argv(
            settings,
            queues=IO_QUEUES,
            concurrency=settings.io_concurrency,
            pool="threads",
            beat=beat,
            hostname="io@%h",
        ),
        "extract": worker_argv(settings, queues=CPU_QUEUES, hostname="extract@%h"),
    }


def spawn_once_workers(settings: Settings) -> list[WorkerProcess]:
    """The two workers of ``run --once`` (no beat: the command dispatches the polls itself),
    each logging to ``run-once-<name>.log`` in the data directory.

    Forked from this command once it has imported what all three use (Celery, SQLAlchemy, the
    models, the tasks), instead of two new interpreters importing it all again: in the
    benchmark's runs the network worker took 0.7–0.8 s of CPU less and the extraction worker's
    main process 0.7 s less, the command no more. Nothing else of the command is set up yet: no
    thread, no connection, no engine."""
    import workers.tasks  # noqa: F401  (what the command and both workers use)

    return [
        fork_worker(argv, settings.data_dir / f"run-once-{name}.log")
        for name, argv in service_argvs(settings, beat=False).items()
    ]


def stop(proc: WorkerProcess, timeout: float = 20.0) -> int:
    """Warm shutdown (SIGTERM), then SIGKILL of the whole group if it lingers."""
    if proc.poll() is not None:
        return proc.returncode
    # The main process alone: it stops its pool itself. Signalling the whole group kills the pool
    # children under it, and Celery's warm shutdown then waits on them.
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return proc.wait()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()


def stop_all(procs: Sequence[WorkerProcess], timeout: float = 20.0) -> list[int]:
    """Warm shutdown of several workers at once: all are asked first, then each is waited for,
    so the slowest one bounds the total instead of the sum of them."""
    for proc in procs:
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
    return [stop(proc, timeout) for proc in procs]


def supervise(settings: Settings) -> int:
    """``vistka run``: both workers (beat embedded in the network one) until a signal or a death.

    SIGTERM and SIGINT stop both with a warm shutdown. If one worker dies on its own, the other
    is stopped too and the exit code is non-zero, so a process manager restarts the service as a
    whole rather than leaving half of it running.
    """
    import time

    procs = [
        spawn_worker(argv, inherit_output=True)
        for argv in service_argvs(settings, beat=True).values()
    ]
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        codes = stop_all(procs, timeout=8.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stopping:
        return 0
    return next((c for c in codes if c), 1)
