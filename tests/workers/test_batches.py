"""Articles travel in batches (``VISTKA_ARTICLES_PER_TASK``) through a real worker on Redis and
PostgreSQL: one page's trouble does not hold up the pages beside it, a busy host holds up the
rest of its batch, and every page is still fetched once and stored once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.backends import Backend, backend, wait_until, worker_process
from tests.support.server import LoopbackServer, Reply, Request
from tests.support.stories import HTML, articles, hits, publish, settled, story
from workers.tasks import batches

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_backend(tmp_path: Path) -> Iterator[Backend]:
    with backend("redis", tmp_path) as b:
        yield b


def test_batches_are_lists_of_at_most_n_and_a_lone_id_stays_an_id() -> None:
    assert batches([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], 5]
    assert batches([7], 8) == [7]
    assert batches([], 8) == []
    assert batches([1, 2, 3], 3) == [[1, 2, 3]]


def test_a_failing_page_is_retried_alone_and_its_batch_goes_on(
    redis_backend: Backend, http_server: LoopbackServer
) -> None:
    b = Backend(
        "redis", {**redis_backend.env, "VISTKA_ARTICLES_PER_TASK": "4"}, redis_backend.data_dir
    )
    paths = publish(http_server, 10)
    answered: list[int] = []

    def unavailable_once(req: Request) -> Reply:
        answered.append(1)
        if len(answered) == 1:
            return Reply(503, {"Retry-After": "1", "Content-Type": "text/plain"}, b"busy")
        return Reply(200, HTML, story(2))

    http_server.routes[paths[2]] = unavailable_once
    http_server.routes[paths[7]] = Reply(404, {"Content-Type": "text/plain"}, b"gone")
    b.cli("feeds", "add", http_server.url("/rss.xml"))

    with worker_process(b, "--beat"):
        wait_until(lambda: settled(b, 10), timeout=120)
        log = (b.data_dir / "worker.log").read_text("utf-8", "replace")

    by_path = {a.url.removeprefix(http_server.base): a for a in articles(b)}
    assert by_path[paths[7]].status == "failed"
    assert (by_path[paths[7]].fail_reason or "").startswith("http_404")
    assert sorted(p for p, a in by_path.items() if a.status == "stored") == sorted(
        p for p in paths if p != paths[7]
    )
    assert [hits(http_server, p) for p in paths] == [2 if p == paths[2] else 1 for p in paths]
    # Batches of four ids went out, and each article's outcome has a line of its own.
    assert re.search(r"vistka\.fetch_article.*article_id=\[\d+, \d+, \d+, \d+\]", log), log[-3000:]
    stored_lines = re.findall(r"article_id=\d+: extracted: stored", log)
    assert len(stored_lines) == 9, log[-3000:]


def test_a_busy_host_holds_up_the_rest_of_its_batch_without_losing_a_page(
    redis_backend: Backend, http_server: LoopbackServer
) -> None:
    slow_host = {
        "VISTKA_ARTICLES_PER_TASK": "5",
        "VISTKA_HOST_RATE": "4",
        "VISTKA_HOST_BURST": "1",
        "VISTKA_HOST_CONCURRENCY": "1",
    }
    b = Backend("redis", {**redis_backend.env, **slow_host}, redis_backend.data_dir)
    paths = publish(http_server, 12)
    b.cli("feeds", "add", http_server.url("/rss.xml"))

    with worker_process(b, "--beat"):
        wait_until(lambda: settled(b, 12), timeout=180)

    assert {a.status for a in articles(b)} == {"stored"}
    assert [hits(http_server, p) for p in paths] == [1] * len(paths)
