"""Reconciliation after a faulty run: per feed, discovered = stored + duplicates + failed with
nothing left pending, and ``vistka stats --json`` says so (embedded service: SQLite and the
filesystem broker, which loses the message of a killed worker; the sweeper finds it again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.faults.conftest import NewsSite, article_counts, fault_backend, service, settled, tail
from tests.support.backends import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def test_accounts_balance_after_a_faulty_run(tmp_path: Path, site: NewsSite) -> None:
    # feed a: 6 articles, the last one missing (404), plus 2 copies of the first two under other
    # URLs; feed b: 4 articles, the first slow so the kill lands while it is being fetched.
    feed_a = site.add_feed("a", 6, seed=1, missing=1, copies=2)
    feed_b = site.add_feed("b", 4, seed=2)
    slow = site.feeds["/feeds/b.xml"][0]
    site.slow_once[slow] = 5.0
    b = fault_backend(tmp_path, None, None)
    db = b.database_url
    with service(b, feed_a, feed_b) as svc:
        first = svc.spawn("run-1", "run")
        wait_until(lambda: site.server.hits(slow) >= 1, timeout=60, every=0.1)
        svc.kill(first)
        assert article_counts(db).pending > 0

        svc.spawn("run-2", "run")
        try:
            wait_until(settled(db, 12), timeout=60)
        except AssertionError:
            raise AssertionError(tail(svc.log("run-2"), 100)) from None
        stats = json.loads(b.cli("stats", "--json").stdout)

    counts = article_counts(db)
    assert counts.urls_twice == []
    assert counts.by_status == {"stored": 9, "duplicate": 2, "failed": 1}
    per_feed = stats["per_feed"]
    assert set(per_feed) == {"1", "2"}
    for row in per_feed.values():
        assert row["reconciled"] is True
        assert row["pending"] == 0
        assert row["discovered"] == row["stored"] + row["duplicate"] + row["failed"]
    assert (
        per_feed["1"]["discovered"],
        per_feed["1"]["stored"],
        per_feed["1"]["duplicate"],
        per_feed["1"]["failed"],
    ) == (8, 5, 2, 1)
    assert list(per_feed["1"]["failed_by_reason"]) == ["http_404"]
    assert (per_feed["2"]["discovered"], per_feed["2"]["stored"]) == (4, 4)
    assert {
        k: stats["totals"][k] for k in ("discovered", "stored", "duplicate", "failed", "pending")
    } == {
        "discovered": 12,
        "stored": 9,
        "duplicate": 2,
        "failed": 1,
        "pending": 0,
    }
