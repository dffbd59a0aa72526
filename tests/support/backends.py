"""The two ways vistka runs — embedded (SQLite + filesystem broker) and production (PostgreSQL +
Redis) — as environments for CLI subprocesses and worker processes in tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.services import postgres_database, redis_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Backend:
    name: str
    env: Mapping[str, str]
    data_dir: Path

    @property
    def database_url(self) -> str:
        from workers.settings import Settings

        return Settings(_env_file=None, **_settings_kwargs(self.env)).database  # type: ignore[call-arg]

    def cli(
        self, *args: str, timeout: float = 300, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``vistka ARGS`` as a user would, in this backend's environment."""
        proc = subprocess.run(
            [sys.executable, "-m", "workers.cli", *args],
            env=dict(self.env),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"vistka {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            )
        return proc


def _settings_kwargs(env: Mapping[str, str]) -> dict[str, str]:
    keys = {
        "VISTKA_DATABASE_URL": "database_url",
        "VISTKA_BROKER_URL": "broker_url",
        "VISTKA_DATA_DIR": "data_dir",
    }
    return {keys[k]: v for k, v in env.items() if k in keys}


def base_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VISTKA_")}
    env.update(
        {
            "VISTKA_DATA_DIR": str(data_dir),
            "VISTKA_ALLOWED_NETWORKS": "127.0.0.0/8",
            "VISTKA_CONCURRENCY": "2",
            "VISTKA_DISPATCH_EVERY": "1",
            # Every loopback test site is one host: politeness has its own tests.
            "VISTKA_HOST_RATE": "1000",
            "VISTKA_HOST_BURST": "1000",
            "VISTKA_HOST_CONCURRENCY": "100",
            "VISTKA_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    if "VISTKA_CACHE_DIR" in os.environ:  # the run's own (tests/conftest.py)
        env["VISTKA_CACHE_DIR"] = os.environ["VISTKA_CACHE_DIR"]
    env.update(extra)
    return env


@contextmanager
def backend(kind: str, tmp: Path) -> Iterator[Backend]:
    data = tmp / f"data-{kind}"
    if kind == "embedded":
        yield Backend(kind, base_env(data), data)
        return
    with postgres_database() as db:
        env = base_env(data, VISTKA_DATABASE_URL=db, VISTKA_BROKER_URL=redis_url())
        b = Backend(kind, env, data)
        b.cli("db", "upgrade")
        yield b


@contextmanager
def worker_process(
    b: Backend, *args: str, log_name: str = "worker"
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``vistka worker`` process; stopped (whole group) at the end."""
    from workers.service import stop

    b.data_dir.mkdir(parents=True, exist_ok=True)
    log = (b.data_dir / f"{log_name}.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "worker", *args],
        env=dict(b.env),
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_log(b.data_dir / f"{log_name}.log", "ready", proc)
        yield proc
    finally:
        stop(proc)
        log.close()


def wait_for_log(
    path: Path, needle: str, proc: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text("utf-8", "replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"worker exited {proc.returncode}:\n{path.read_text('utf-8', 'replace')}"
            )
        time.sleep(0.2)
    raise AssertionError(f"worker not ready in {timeout}s:\n{path.read_text('utf-8', 'replace')}")


def wait_until(predicate: object, timeout: float = 60, every: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


def _live() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of /proc/<pid>/stat after the command name) of every live process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            yield int(entry.name), fields


def group_alive(pgid: int) -> list[int]:
    """Live (not zombie) processes of the process group ``pgid``."""
    return [pid for pid, fields in _live() if int(fields[2]) == pgid]


def started_with(data_dir: Path) -> list[int]:
    """Live processes started with this data directory in their environment."""
    needle = f"VISTKA_DATA_DIR={data_dir}".encode()
    found = []
    for pid, _ in _live():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(pid)
    return found
