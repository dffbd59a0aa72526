"""Feed rows on both backends: adding is idempotent, a due feed is claimed by exactly one
dispatcher even when two race, and a poll's bookkeeping is fenced by the claim's token."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from storage import feeds as feed_rows
from storage.db import session_scope
from storage.feeds import Claim
from storage.models import Feed
from storage.types import utcnow

LEASE = timedelta(minutes=10)


def _add(db: str, url: str, **kwargs: object) -> int:
    with session_scope(db) as s:
        feed, _ = feed_rows.add_feed(s, url, **kwargs)  # type: ignore[arg-type]
        assert feed.id is not None
        return feed.id


def _feed(db: str, feed_id: int) -> Feed:
    with session_scope(db) as s:
        feed = s.get(Feed, feed_id)
        assert feed is not None
        return feed


def test_adding_a_known_url_returns_the_existing_feed(db: str) -> None:
    with session_scope(db) as s:
        first, created = feed_rows.add_feed(s, "https://news.example/rss", title="Новини")
        again, created_again = feed_rows.add_feed(s, "https://news.example/rss", title="Other")

    assert created is True
    assert created_again is False
    assert again.id == first.id
    assert again.title == "Новини"
    with session_scope(db) as s:
        assert feed_rows.count_feeds(s) == 1


def test_a_feed_is_found_by_id_or_by_url_and_removed(db: str) -> None:
    feed_id = _add(db, "https://news.example/rss")
    with session_scope(db) as s:
        by_id = feed_rows.get_feed(s, str(feed_id))
        by_url = feed_rows.get_feed(s, "https://news.example/rss")
        assert by_id is not None and by_url is not None
        assert by_id.id == by_url.id == feed_id
        assert feed_rows.get_feed(s, "https://other.example/rss") is None
        feed_rows.remove_feed(s, by_id)
    with session_scope(db) as s:
        assert feed_rows.count_feeds(s) == 0


def test_claim_due_leases_only_due_enabled_unleased_feeds(db: str) -> None:
    due = _add(db, "https://a.example/rss")
    later = _add(db, "https://b.example/rss")
    off = _add(db, "https://c.example/rss")
    now = utcnow()
    with session_scope(db) as s:
        s.execute(
            update(Feed).where(col(Feed.id) == later).values(next_poll_at=now + timedelta(hours=1))
        )
        s.execute(update(Feed).where(col(Feed.id) == off).values(enabled=False))

    with session_scope(db) as s:
        claims = feed_rows.claim_due(s, now=now, limit=100, lease=LEASE)
    with session_scope(db) as s:
        while_leased = feed_rows.claim_due(s, now=now, limit=100, lease=LEASE, force=True)
    with session_scope(db) as s:
        nothing_left = feed_rows.claim_due(s, now=now, limit=100, lease=LEASE, force=True)

    assert [c.feed_id for c in claims] == [due]
    assert [c.feed_id for c in while_leased] == [later]
    assert nothing_left == []
    assert _feed(db, due).lease_token == claims[0].token


def test_an_expired_lease_can_be_claimed_again_with_a_new_token(db: str) -> None:
    feed_id = _add(db, "https://a.example/rss")
    now = utcnow()
    with session_scope(db) as s:
        (first,) = feed_rows.claim_due(s, now=now, limit=10, lease=LEASE)
    with session_scope(db) as s:
        (second,) = feed_rows.claim_due(s, now=now + LEASE * 2, limit=10, lease=LEASE)

    assert first.feed_id == second.feed_id == feed_id
    assert first.token != second.token


def test_two_concurrent_dispatchers_claim_each_of_200_feeds_exactly_once(db: str) -> None:
    with session_scope(db) as s:
        for n in range(200):
            feed_rows.add_feed(s, f"https://site{n}.example/rss")
    now = utcnow() + timedelta(seconds=1)
    start = threading.Barrier(2)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            start.wait()
            while True:
                with session_scope(db) as s:
                    batch = feed_rows.claim_due(s, now=now, limit=7, lease=LEASE)
                if not batch:
                    return
                claimed[name].extend(c.feed_id for c in batch)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert not errors, errors
    a, b = claimed["a"], claimed["b"]
    assert len(a) + len(b) == 200
    assert set(a).isdisjoint(b)
    assert len(set(a) | set(b)) == 200
    assert a and b, "both dispatchers should have taken part"


def test_finish_poll_with_a_stale_token_changes_nothing(db: str) -> None:
    feed_id = _add(db, "https://a.example/rss", title="Стрічка")
    now = utcnow()
    with session_scope(db) as s:
        (stale,) = feed_rows.claim_due(s, now=now, limit=10, lease=LEASE)
    with session_scope(db) as s:
        (current,) = feed_rows.claim_due(s, now=now + LEASE * 2, limit=10, lease=LEASE)
    before = _feed(db, feed_id)

    with session_scope(db) as s:
        written = feed_rows.finish_poll(
            s, stale, title="stale write", polls=99, last_error="late", entries_seen=5
        )
        holds = feed_rows.holds_lease(s, stale, now + LEASE * 2)

    after = _feed(db, feed_id)
    assert written is False
    assert holds is None
    assert (after.title, after.polls, after.last_error, after.entries_seen) == (
        "Стрічка",
        0,
        None,
        0,
    )
    assert after.lease_token == current.token
    assert after.lease_until == before.lease_until

    with session_scope(db) as s:
        assert feed_rows.finish_poll(s, current, polls=1) is True
    done = _feed(db, feed_id)
    assert (done.polls, done.lease_token, done.lease_until) == (1, None, None)


def test_a_claim_for_another_feed_does_not_hold_its_lease(db: str) -> None:
    feed_id = _add(db, "https://a.example/rss")
    now = utcnow()
    with session_scope(db) as s:
        (claim,) = feed_rows.claim_due(s, now=now, limit=10, lease=LEASE)
    with session_scope(db) as s:
        assert feed_rows.holds_lease(s, claim, now) is not None
        assert feed_rows.holds_lease(s, Claim(feed_id, "not-the-token"), now) is None
        assert feed_rows.holds_lease(s, claim, now + LEASE * 2) is None
