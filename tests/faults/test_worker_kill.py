"""A whole worker SIGKILLed in the middle of an article: the article is stored exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.conftest import (
    NewsSite,
    RedisServer,
    article_counts,
    fault_backend,
    service,
    settled,
    status_of,
    tail,
)
from tests.support.backends import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_sigkill_mid_fetch_stores_the_article_once(
    tmp_path: Path, site: NewsSite, redis_aof: RedisServer, pg_database: str
) -> None:
    feed = site.add_feed("kill", 4)
    slow = site.feeds["/feeds/kill.xml"][0]
    site.slow_once[slow] = 5.0  # the first worker is killed while this answer is on its way
    b = fault_backend(tmp_path, pg_database, redis_aof.url)
    with service(b, feed) as svc:
        first = svc.worker("worker-1", "--beat")
        wait_until(lambda: site.server.hits(slow) >= 1, timeout=60)
        svc.kill(first)  # main process, pool children and embedded beat, all at once
        assert status_of(pg_database, site.server.url(slow)) == ["discovered"]

        svc.worker("worker-2", "--beat")
        try:
            wait_until(settled(pg_database, 4), timeout=60)
        except AssertionError:
            raise AssertionError(tail(svc.log("worker-2"))) from None
    counts = article_counts(pg_database)
    assert counts.rows == 4
    assert counts.urls_twice == []
    assert counts.by_status == {"stored": 4}
    assert status_of(pg_database, site.server.url(slow)) == ["stored"]
    assert site.server.hits(slow) >= 2  # fetched again after the kill
