"""PostgreSQL unavailable for a while mid-run: tasks retry with backoff; afterwards every article is
stored and none twice (our own cluster, stopped and started with pg_ctl)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.faults.conftest import (
    NewsSite,
    PostgresCluster,
    RedisServer,
    article_counts,
    fault_backend,
    service,
    settled,
    tail,
)
from tests.support.backends import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]

ARTICLES = 8
OUTAGE = 30.0  # seconds the database is down


def test_postgres_outage_is_retried_and_nothing_is_lost_or_doubled(
    tmp_path: Path, site: NewsSite, own_postgres: PostgresCluster, redis_aof: RedisServer
) -> None:
    feed = site.add_feed("pg", ARTICLES)
    for path in site.feeds["/feeds/pg.xml"]:
        site.slow[path] = 1.0  # fetches are in flight when the database goes away
    db = own_postgres.url
    # Two articles per message: a batch is claimed, and stored, in one transaction, so with the
    # default eight the run would go from none stored to all without a moment in between.
    b = fault_backend(tmp_path, db, redis_aof.url, VISTKA_ARTICLES_PER_TASK="2")
    with service(b, feed) as svc:
        worker = svc.worker("worker", "--beat")
        wait_until(
            lambda: (
                1 <= article_counts(db).by_status.get("stored", 0) < ARTICLES
                and article_counts(db).pending >= 3
            ),
            timeout=60,
            every=0.1,
        )
        own_postgres.stop()
        stopped = time.monotonic()
        time.sleep(OUTAGE)
        own_postgres.start()
        assert time.monotonic() - stopped >= OUTAGE
        try:
            wait_until(settled(db, ARTICLES), timeout=120)
        except AssertionError:
            raise AssertionError(tail(svc.log("worker"), 120)) from None
        assert worker.poll() is None
    log = svc.log("worker").read_text("utf-8", "replace")
    retries = re.findall(r"Retry in (\d+)s: OperationalError", log)
    assert retries, "no task was retried"
    assert max(int(r) for r in retries) >= 8, f"no backoff: retried in {retries}"
    counts = article_counts(db)
    assert counts.rows == ARTICLES
    assert counts.urls_twice == []
    assert counts.by_status == {"stored": ARTICLES}
