"""The workers ``vistka run --once`` forks from itself (``workers.processes.fork_worker``): each
shows ``ps`` the worker command line it runs, logs to its own file, and none outlives a command
that was killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.support.backends import PROJECT_ROOT, Backend
from tests.support.procs import alive, children, cmdline, service_workers, tree
from tests.support.server import LoopbackServer, Reply

pytestmark = pytest.mark.integration

SLOW_FEED = 6.0  # seconds the feed takes to answer: the run is still polling when it is killed


def _workers(command: int, deadline: float) -> dict[str, int]:
    """The command's two workers, once the extraction worker's pool is up."""
    found: dict[str, int] = {}
    while time.monotonic() < deadline:
        kids = children()
        found = service_workers(command, kids)
        if len(found) == 2 and len(tree(found["extract"], kids)) > 1:
            break
        time.sleep(0.1)
    return found


@pytest.mark.parametrize("env", ["embedded"], indirect=True)
def test_run_once_workers_show_their_command_and_die_with_a_killed_run(
    env: Backend, http_server: LoopbackServer
) -> None:
    http_server.routes["/slow.xml"] = Reply(
        200, {"Content-Type": "application/rss+xml"}, b"", SLOW_FEED
    )
    env.cli("feeds", "add", http_server.url("/slow.xml"))
    run = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "run", "--once"],
        env=dict(env.env),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        workers = _workers(run.pid, time.monotonic() + 60)
        assert set(workers) == {"io", "extract"}, [cmdline(p) for p in children()[run.pid]]
        assert "run --once" not in cmdline(workers["io"])
        everyone = [p for pid in workers.values() for p in tree(pid, children())]
        # Killed while the feed's poll is on its way: it holds the feed's lease, which the
        # network worker's warm shutdown releases once the answer is in.
        deadline = time.monotonic() + 30
        while http_server.hits("/slow.xml") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert http_server.hits("/slow.xml") == 1
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()

    deadline = time.monotonic() + SLOW_FEED + 20
    while time.monotonic() < deadline and any(alive(p) for p in everyone):
        time.sleep(0.2)
    assert [cmdline(p) for p in everyone if alive(p)] == []
    for name in workers:
        assert "ready" in (env.data_dir / f"run-once-{name}.log").read_text()
    # The data directory is free again: the next run starts (and polls the feed, now quick).
    http_server.routes["/slow.xml"] = Reply(200, {"Content-Type": "application/rss+xml"}, b"")
    assert "feeds polled: 1" in env.cli("run", "--once", timeout=120).stdout
