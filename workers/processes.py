"""The worker processes the service starts: forked from the command or started anew, each in
its own session and tied to the life of the process that made it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol


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
            except ChildProcessError:  # reaped by someone else: its code is lost
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.02)
        return code


def fork_worker(argv: Sequence[str], log_path: Path) -> ForkedWorker:
    """A Celery worker (``workers.celery_worker`` with ``argv``) forked from this process, with
    what a worker started anew has: its own session, SIGTERM when this process dies, default
    signal handlers, stdin from /dev/null, its output in ``log_path``, and ``ps`` showing the
    command line it would have had until Celery gives it its own title. It keeps what this
    process had imported: that is the point.

    The child never returns into the caller: the caller's ``finally`` blocks (such as the data
    directory's lock) and exit handlers are the caller's own."""
    out = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        os.close(out)
        return ForkedWorker(pid, argv)
    code = 1
    try:
        _become_worker(argv, out, parent)
        from workers.celery_worker import start

        code = start(argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _become_worker(argv: Sequence[str], out: int, parent: int) -> None:
    """In the forked child: what a process started by ``spawn_worker`` has."""
    os.setsid()
    die_with_parent()
    if os.getppid() != parent:  # it died before the call above: nobody would stop us
        os._exit(1)
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
    """In a new process (before exec, or just forked): ask Linux to SIGTERM it when its parent
    dies.

    A worker started by ``vistka run`` or ``run --once`` must not outlive a command that was
    killed; other systems have no such call, and there the parent's ``finally`` is the only
    guard.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def spawn_worker(
    argv: Sequence[str], log_path: Path | None = None, *, inherit_output: bool = False
) -> subprocess.Popen[bytes]:
    """A Celery worker started anew, in its own process group (so it can be stopped as a
    whole), tied to our life.

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
