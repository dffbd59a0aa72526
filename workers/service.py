"""Starting the service's processes: worker (+ embedded beat), beat alone, Flower.

The embedded service takes an exclusive lock on its data directory: the filesystem broker and
SQLite are single-host, and two embedded services on one directory would both run beat.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, Protocol

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

    Forked from this command once it has imported what all three need (Celery, SQLAlchemy, the
    models, the tasks: about half a second of CPU in each process), instead of each worker
    importing it again: about a second of CPU less per run, on the two cores the three start
    on. Nothing else of the command is set up yet: no thread, no connection, no engine."""
    import workers.tasks  # noqa: F401  (what the command and both workers use)

    return [
        fork_worker(argv, settings.data_dir / f"run-once-{name}.log")
        for name, argv in service_argvs(settings, beat=False).items()
    ]


class WorkerProcess(Protocol):
    """What stopping and watching a worker needs of its process: ``subprocess.Popen``'s."""

    pid: int
    returncode: int | Any

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class ForkedWorker:
    """A worker forked from this process, with the part of ``subprocess.Popen`` used here."""

    def __init__(self, pid: int, argv: Sequence[str]) -> None:
        self.pid = pid
        self.args = list(argv)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.02)
        return code


def fork_worker(argv: Sequence[str], log_path: Path) -> ForkedWorker:
    """A worker forked from this process, as ``spawn_worker`` starts one: its own session,
    tied to our life, output to ``log_path``, its title the command line it would have had."""
    out = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(out)
        return ForkedWorker(pid, argv)
    code = 1
    try:
        _become_worker(argv, out)
        from workers.celery_worker import start

        code = start(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        # Never back into the command: its ``finally`` blocks (the data directory's lock) and
        # exit handlers are the command's own.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _become_worker(argv: Sequence[str], out: int) -> None:
    """In the forked child: what a new process started by ``spawn_worker`` would have."""
    os.setsid()
    die_with_parent()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(stdin)
    os.close(out)
    sys.argv = [f"{sys.executable} -m workers.celery_worker", *argv]
    import setproctitle

    setproctitle.setproctitle(" ".join(sys.argv))


def die_with_parent() -> None:
    """In a child before exec: ask Linux to SIGTERM it when the parent dies.

    A worker started by ``run --once`` must not outlive a ``run --once`` that was killed; other
    systems have no such call, and there the parent's ``finally`` is the only guard.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def spawn_worker(
    argv: Sequence[str], log_path: Path | None = None, *, inherit_output: bool = False
) -> subprocess.Popen[bytes]:
    """A worker in its own process group (so it can be stopped as a whole), tied to our life.

    Started by ``workers.celery_worker``, not Celery's command line: the same worker, 0.1–0.2 s
    of CPU less to start."""
    out: IO[bytes] | int | None
    out = None if inherit_output else log_path.open("ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "workers.celery_worker", *argv],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ.copy(),
        preexec_fn=die_with_parent,
    )


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
