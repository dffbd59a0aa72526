"""The Celery app's process hooks: a pool process that stops cleanly leaves at once, and a worker
stopped in the middle of its work loses and doubles nothing."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.signals import worker_shutdown

from tests.support.backends import Backend, backend, group_alive, wait_until, worker_process
from tests.support.forked import exit_code_in_fork, frozen_after
from tests.support.server import LoopbackServer
from tests.support.services import redis_url
from tests.support.stories import articles, hits, publish, settled
from workers import app as celery_app

EX_RECYCLE = 0x9B  # billiard's exit code for a process recycled after its task or memory quota


def _exit_code_after_hook(exitcode: int) -> int:
    """Exit code of a forked process that runs the hook and, if the hook returns, exits 3."""

    def child() -> int:
        celery_app._leave_at_once(exitcode=exitcode)
        return 3

    return exit_code_in_fork(child)


def test_a_stopping_worker_spares_itself_the_last_collection() -> None:
    assert not frozen_after(lambda: None)
    assert frozen_after(lambda: worker_shutdown.send(sender=None))


def test_a_pool_process_stopping_cleanly_exits_in_the_hook() -> None:
    assert _exit_code_after_hook(0) == 0


@pytest.mark.parametrize("exitcode", [EX_RECYCLE, 1], ids=["recycled", "failed"])
def test_a_recycled_or_failed_pool_process_goes_on_to_billiard(exitcode: int) -> None:
    # The hook returns: billiard then tells the running pool, which replaces the process.
    assert _exit_code_after_hook(exitcode) == 3


@pytest.mark.integration
def test_an_idle_consumer_waits_on_redis_a_quarter_second_at_most(tmp_path: Path) -> None:
    """A stopping worker first waits for its consumer's pending BRPOP to answer; kombu reads
    the bound from the transport options."""
    from workers.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path, broker_url=redis_url())  # type: ignore[call-arg]
    with celery_app.create_app(settings).connection_for_read() as conn:
        channel = conn.default_channel
        assert channel.brpop_timeout == celery_app.BRPOP_SECONDS == 0.25


@pytest.fixture
def redis_backend(tmp_path: Path) -> Iterator[Backend]:
    with backend("redis", tmp_path) as b:
        yield b


@pytest.mark.integration
def test_a_worker_stopped_mid_run_exits_cleanly_and_loses_nothing(
    redis_backend: Backend, http_server: LoopbackServer
) -> None:
    """SIGTERM while pool processes are fetching and extracting: the worker exits 0 with no
    process left behind; a second worker (no beat, so no sweeper) finishes the rest from the
    messages the broker kept, every page fetched once and stored once."""
    count = 80
    b = Backend(
        "redis", {**redis_backend.env, "VISTKA_ARTICLES_PER_TASK": "1"}, redis_backend.data_dir
    )
    paths = publish(http_server, count)
    b.cli("feeds", "add", http_server.url("/rss.xml"))

    with worker_process(b, "--beat", log_name="first") as first:
        wait_until(
            lambda: sum(a.status == "stored" for a in articles(b)) >= 3, timeout=120, every=0.1
        )
        os.kill(first.pid, signal.SIGTERM)
        code = first.wait(30)
        time.sleep(0.2)  # the pool processes are reaped by then
        assert code == 0, (b.data_dir / "first.log").read_text("utf-8", "replace")[-3000:]
        assert group_alive(first.pid) == []
    stopped_with = [a.status for a in articles(b)]
    assert stopped_with.count("stored") < count  # it was stopped with work left

    with worker_process(b, log_name="second"):
        wait_until(lambda: settled(b, count), timeout=180)

    assert {a.status for a in articles(b)} == {"stored"}
    assert [hits(http_server, p) for p in paths] == [1] * count
    log = (b.data_dir / "first.log").read_text("utf-8", "replace")
    assert "WorkerLostError" not in log
    assert "exited with 'exitcode" not in log
