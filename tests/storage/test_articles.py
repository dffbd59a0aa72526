"""Article rows on both backends: feed entries are recorded once (GUID, then URL), a second feed's
link to a known URL is linked rather than stored again, exact-duplicate keys have one owner, and
a pipeline step is claimed once while its lease holds."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from ingest.urls import canonical_url, host_of, url_key
from storage import articles as article_rows
from storage import feeds as feed_rows
from storage.articles import NewEntry
from storage.db import session_scope
from storage.models import Article, FeedEntry

LEASE = timedelta(minutes=10)


def entry(link: str, guid: str | None = None, title: str | None = None) -> NewEntry:
    url = canonical_url(link)
    identity = f"guid:{guid}" if guid else f"url:{url}"
    return NewEntry(
        entry_key=hashlib.sha256(identity.encode()).hexdigest(),
        guid=guid,
        url=url,
        url_key=url_key(url),
        host=host_of(url),
        title=title,
    )


ENTRIES = [
    entry("https://news.example/kyiv-metro", "n-1", "У Києві відкрили нову станцію метро"),
    entry("https://news.example/harvest", "n-2", "Аграрии собрали рекордный урожай"),
    entry("https://news.example/rail", None, "Rail line reopens after repairs"),
]


def _feed(db: str, url: str = "https://news.example/rss") -> int:
    with session_scope(db) as s:
        feed, _ = feed_rows.add_feed(s, url)
        assert feed.id is not None
        return feed.id


def _counts(db: str) -> tuple[int, int]:
    with session_scope(db) as s:
        articles = s.scalar(select(func.count()).select_from(Article))
        entries = s.scalar(select(func.count()).select_from(FeedEntry))
    return int(articles or 0), int(entries or 0)


def _article(db: str, article_id: int) -> Article:
    with session_scope(db) as s:
        art = s.get(Article, article_id)
        assert art is not None
        return art


def test_recording_the_same_entries_twice_adds_no_rows(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        first = article_rows.record_entries(s, feed_id, ENTRIES)
    after_first = _counts(db)
    with session_scope(db) as s:
        second = article_rows.record_entries(s, feed_id, ENTRIES)

    assert len(first.new_article_ids) == 3
    assert (first.url_duplicates, first.known) == (0, 0)
    assert after_first == (3, 3)
    assert second.new_article_ids == []
    assert (second.url_duplicates, second.known) == (0, 3)
    assert _counts(db) == (3, 3)
    art = _article(db, first.new_article_ids[0])
    assert (art.status, art.feed_id, art.guid) == ("discovered", feed_id, "n-1")
    assert art.feed_title == "У Києві відкрили нову станцію метро"


def test_a_known_guid_with_a_changed_link_is_not_a_new_article(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        article_rows.record_entries(s, feed_id, [ENTRIES[0]])
    with session_scope(db) as s:
        moved = article_rows.record_entries(
            s, feed_id, [entry("https://news.example/kyiv-metro-updated", "n-1")]
        )

    assert moved.new_article_ids == []
    assert moved.known == 1
    assert _counts(db) == (1, 1)


def test_a_known_url_in_another_feed_is_linked_with_rule_url(db: str) -> None:
    first_feed = _feed(db, "https://news.example/rss")
    second_feed = _feed(db, "https://aggregator.example/rss")
    with session_scope(db) as s:
        (original,) = article_rows.record_entries(s, first_feed, [ENTRIES[0]]).new_article_ids
    tracked = entry("https://news.example/kyiv-metro?utm_source=agg&utm_medium=rss", "agg-77")
    with session_scope(db) as s:
        linked = article_rows.record_entries(s, second_feed, [tracked])

    assert linked.new_article_ids == []
    assert linked.url_duplicates == 1
    assert _counts(db) == (1, 2)
    with session_scope(db) as s:
        row = s.scalars(select(FeedEntry).where(col(FeedEntry.feed_id) == second_feed)).one()
        counts = article_rows.url_duplicate_counts(s)
    assert (row.rule, row.article_id) == ("url", original)
    assert counts == {second_feed: 1}


def test_the_first_article_owns_a_key_and_a_second_is_told_the_owner(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        first, second, third = article_rows.record_entries(s, feed_id, ENTRIES).new_article_ids
    keys = ["url:canonical-of-the-story", "text:same-text-hash"]

    with session_scope(db) as s:
        owned = article_rows.claim_keys(s, first, keys)
    with session_scope(db) as s:
        reclaimed = article_rows.claim_keys(s, first, keys)
    with session_scope(db) as s:
        copy = article_rows.claim_keys(s, second, ["url:its-own-url", "text:same-text-hash"])
    with session_scope(db) as s:
        unrelated = article_rows.claim_keys(s, third, ["url:rail", "text:rail-hash"])

    assert owned is None
    assert reclaimed is None
    assert copy == (first, "text:same-text-hash")
    assert unrelated is None


def test_keys_claimed_by_a_batch_go_to_their_first_article_as_if_claimed_one_by_one(
    db: str,
) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        older, first, second = article_rows.record_entries(s, feed_id, ENTRIES).new_article_ids
    with session_scope(db) as s:
        article_rows.claim_keys(s, older, ["text:already-owned"])
    batch = [
        (first, ["url:first", "text:shared-in-batch"]),
        (second, ["url:second", "text:shared-in-batch", "text:already-owned"]),
    ]

    with session_scope(db) as s:
        owners = article_rows.claim_keys_of(s, batch)
    with session_scope(db) as s:
        again = article_rows.claim_keys_of(s, list(reversed(batch)))  # owners stay
    decided = [article_rows.first_taken(owners, article_id, keys) for article_id, keys in batch]

    assert owners == {
        "url:first": first,
        "text:shared-in-batch": first,
        "url:second": second,
        "text:already-owned": older,
    }
    assert again == owners
    assert decided == [None, (first, "text:shared-in-batch")]


def test_an_article_step_is_claimed_once_while_leased(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        (article_id,) = article_rows.record_entries(s, feed_id, [ENTRIES[0]]).new_article_ids

    with session_scope(db) as s:
        first = article_rows.claim(s, [article_id], "discovered", LEASE, ("url", "attempts"))
    with session_scope(db) as s:
        again = article_rows.claim(s, [article_id], "discovered", LEASE, ())
    with session_scope(db) as s:
        wrong_step = article_rows.claim(s, [article_id], "fetched", LEASE, ())

    assert [tuple(row) for row in first] == [(article_id, ENTRIES[0].url, 1)]
    assert again == []
    assert wrong_step == []
    assert _article(db, article_id).attempts == 1


def test_a_batch_claim_takes_only_the_waiting_articles_in_the_order_asked(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        first, second, third = article_rows.record_entries(s, feed_id, ENTRIES).new_article_ids
    with session_scope(db) as s:
        article_rows.claim(s, [second], "discovered", LEASE, ())
        article_rows.fail(s, third, "http_404: not found")

    with session_scope(db) as s:
        claimed = article_rows.claim(s, [third, second, first, 999], "discovered", LEASE, ("url",))

    assert [tuple(row) for row in claimed] == [(first, ENTRIES[0].url)]


def test_an_expired_or_released_lease_can_be_claimed_again(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        (article_id,) = article_rows.record_entries(s, feed_id, [ENTRIES[1]]).new_article_ids

    with session_scope(db) as s:
        assert article_rows.claim(s, [article_id], "discovered", timedelta(seconds=-1), ())
    with session_scope(db) as s:
        assert article_rows.claim(s, [article_id], "discovered", LEASE, ())
    with session_scope(db) as s:
        article_rows.release(s, article_id)
    with session_scope(db) as s:
        assert article_rows.claim(s, [article_id], "discovered", LEASE, ())

    assert _article(db, article_id).attempts == 3


def test_a_failed_article_is_no_longer_pending(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        (article_id,) = article_rows.record_entries(s, feed_id, [ENTRIES[2]]).new_article_ids
    with session_scope(db) as s:
        article_rows.fail(s, article_id, "http_404: not found")

    art = _article(db, article_id)
    assert (art.status, art.fail_reason, art.lease_until) == ("failed", "http_404: not found", None)
    with session_scope(db) as s:
        assert article_rows.claim(s, [article_id], "discovered", LEASE, ()) == []
        assert article_rows.stale_pending(s, idle=timedelta(0)) == []


def test_a_batch_of_updates_writes_each_article_its_own_columns(db: str) -> None:
    feed_id = _feed(db)
    with session_scope(db) as s:
        ids = article_rows.record_entries(s, feed_id, ENTRIES).new_article_ids
    with session_scope(db) as s:
        before = {i: s.get(Article, i).updated_at for i in ids}  # type: ignore[union-attr]
    page = {"status": "fetched", "http_status": 200, "raw_html": b"\x00page"}
    with session_scope(db) as s:
        article_rows.update_articles(
            s,
            [
                (ids[0], {**page, "final_url": "https://news.example/kyiv-metro?a"}),
                (ids[1], article_rows.failed("http_410: gone")),
                (ids[2], {**page, "final_url": "https://news.example/rail?b"}),
            ],
        )

    first, second, third = (_article(db, i) for i in ids)
    assert (first.status, first.http_status, first.raw_html) == ("fetched", 200, b"\x00page")
    assert first.final_url == "https://news.example/kyiv-metro?a"
    assert third.final_url == "https://news.example/rail?b"
    assert (second.status, second.fail_reason, second.http_status) == (
        "failed",
        "http_410: gone",
        None,
    )
    assert second.feed_title == ENTRIES[1].title  # columns not named are left as they were
    assert all(a.updated_at > before[a.id] for a in (first, second, third) if a.id)
