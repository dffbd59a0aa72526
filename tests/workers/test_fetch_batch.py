"""A fetch task's batch: its pages downloaded as many at once as their host may serve, against a
real HTTP server, with the batch's rules kept: pages start in order, a spent budget or a host
that must wait stops it, and an error comes back to the task once the pages in flight are in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.hostile import make_settings
from tests.support.server import LoopbackServer, Reply, Request
from tests.support.stories import HTML, story
from workers import fetching
from workers.settings import Settings

PAGES = 8


class InFlight:
    """A page handler that counts the requests being answered at once, and holds each one
    until ``width`` are in (or as many as are left), for three seconds at most: pages fetched
    one at a time never reach two."""

    def __init__(self, width: int, pages: int = PAGES) -> None:
        self.width = width
        self.left = pages
        self.now = 0
        self.most = 0
        self._changed = threading.Condition()

    def __call__(self, request: Request) -> Reply:
        with self._changed:
            self.now += 1
            self.most = max(self.most, self.now)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self.now >= min(self.width, self.left), timeout=3)
            self.left -= 1
            self.now -= 1
            self._changed.notify_all()
        return Reply(200, HTML, story(int(request.path.rsplit("/", 1)[1].split(".")[0])))


@pytest.fixture
def settings_for(tmp_path: Path) -> Iterator[Callable[..., Settings]]:
    made = 0

    def make(**overrides: Any) -> Settings:
        nonlocal made
        made += 1
        return make_settings(tmp_path / f"data{made}", **overrides)

    yield make


def _batch(server: LoopbackServer, handler: Any = None, count: int = PAGES) -> fetching.Batch:
    claimed = []
    for n in range(count):
        path = f"/news/{n}.html"
        server.routes[path] = handler or Reply(200, HTML, story(n))
        claimed.append(fetching.Claimed(100 + n, server.url(path), 1))
    return fetching.Batch(claimed)


def _always() -> bool:
    return True


@pytest.mark.parametrize("width", [1, 3, PAGES])
def test_pages_are_fetched_as_many_at_once_as_the_host_may_serve(
    http_server: LoopbackServer, settings_for: Callable[..., Settings], width: int
) -> None:
    counter = InFlight(width)
    batch = _batch(http_server, counter)

    fetching.download_batch(settings_for(host_concurrency=width), batch, _always)

    done, rest = batch.close()
    assert counter.most == width
    assert sorted(d.article_id for d in done) == [100 + n for n in range(PAGES)]
    assert all(d.ready for d in done) and rest == [] and batch.later == []


def test_a_spent_budget_stops_the_batch_and_queues_the_rest_at_once(
    http_server: LoopbackServer, settings_for: Callable[..., Settings]
) -> None:
    batch = _batch(http_server)
    asked = []

    def three_pages() -> bool:  # asked before every page but the first
        asked.append(1)
        return len(asked) < 3

    fetching.download_batch(settings_for(host_concurrency=1), batch, three_pages)

    done, rest = batch.close()
    assert [d.article_id for d in done] == [100, 101, 102]
    assert [c.article_id for c in rest] == [103, 104, 105, 106, 107]
    assert batch.later == [([103, 104, 105, 106, 107], 0.0)]


def test_a_host_that_must_wait_holds_up_the_pages_not_started(
    http_server: LoopbackServer, settings_for: Callable[..., Settings]
) -> None:
    # Three requests at once are allowed, then one every thousand seconds.
    settings = settings_for(host_concurrency=3, host_burst=3, host_rate=0.001)
    batch = _batch(http_server)

    fetching.download_batch(settings, batch, _always)

    done, rest = batch.close()
    fetched = sorted(d.article_id for d in done if d.ready)
    refused = [d for d in done if d.retry is not None]
    assert len(fetched) == 3 and len(refused) >= 1
    assert all(r.retry is not None and r.retry.host_wide for r in refused)
    waiting = [c.article_id for c in rest]
    assert sorted(fetched + [r.article_id for r in refused] + waiting) == [
        100 + n for n in range(PAGES)
    ]
    (first, countdown), *others = batch.later
    assert first == [refused[0].article_id, *waiting] and countdown > 100
    assert all(ids == [r.article_id] for (ids, _), r in zip(others, refused[1:], strict=True))
    assert sum(http_server.hits(f"/news/{n}.html") for n in range(PAGES)) == 3


def test_an_error_in_a_helper_reaches_the_task_after_the_others_are_in(
    http_server: LoopbackServer, settings_for: Callable[..., Settings]
) -> None:
    batch = _batch(http_server, count=4)
    # Not a URL at all: the fetch itself raises (a bug, not a page's failure).
    broken = fetching.Claimed(999, None, 1)  # type: ignore[arg-type]
    batch.claimed.insert(1, broken)

    with pytest.raises(Exception):  # noqa: B017 - whatever the bug raises reaches the task
        fetching.download_batch(settings_for(host_concurrency=5), batch, _always)

    done, rest = batch.close()
    # The broken page is neither done nor handed back (it keeps its lease); nothing else is
    # lost: every other page is either fetched or handed back.
    assert 999 not in {d.article_id for d in done} | {c.article_id for c in rest}
    assert sorted([d.article_id for d in done] + [c.article_id for c in rest]) == [
        100,
        101,
        102,
        103,
    ]
