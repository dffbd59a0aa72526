"""The extraction step on a batch (``workers.extracting.extract_many``), on SQLite and PostgreSQL:
every article gets its own outcome, copies within one batch are recognised, and one article's
corrupt page fails that article alone."""

from __future__ import annotations

import zlib

import pytest
from sqlalchemy import select

from storage import articles as article_rows
from storage.db import session_scope
from storage.raw_pages import ZSTD_MAGIC, CorruptPage
from tests.support.hostile import Pipeline, article_html, item, rss, xml_reply
from tests.support.server import Reply
from tests.support.stories import dated_page
from workers.extracting import Stored, extract_many
from workers.fetching import fetch

pytestmark = pytest.mark.integration

HTML = {"Content-Type": "text/html; charset=utf-8"}
STORY = [
    "The harbour council approved the new budget for the river bridge on Tuesday evening.",
    "Work on the bridge is to start in spring and take two years, the council said.",
    "Residents asked for a tram line across the bridge, which the plan does not include.",
]
OTHER = [
    "The city library opens a new reading room for children in the old market building.",
    "The room has two thousand books and a small theatre stage for weekend readings.",
    "Volunteers will run the readings, the library director told reporters on Monday.",
]


def _fetched(pipe: Pipeline, pages: dict[str, bytes], feed: str = "/feed.xml") -> list[int]:
    """Serve ``pages`` in one feed, poll it and fetch every page: the ids, in feed order."""
    for path, body in pages.items():
        pipe.server.routes[path] = Reply(200, HTML, body)
    items = [item(path, pipe.server.url(path), guid=path) for path in pages]
    pipe.server.routes[feed] = xml_reply(rss(items))
    result = pipe.poll(pipe.add_feed(feed))
    ids = list(result.new_article_ids)
    assert [fetch(pipe.settings, i) for i in ids] == [True] * len(pages)
    return ids


def test_a_batch_gives_each_article_its_outcome_and_sees_copies_within_it(
    both: Pipeline,
) -> None:
    original, copy, empty, other = _fetched(
        both,
        {
            "/a.html": article_html("Bridge budget approved", STORY).encode(),
            "/b.html": article_html("Bridge budget approved", STORY).encode(),
            "/c.html": b"<html><body><div></div></body></html>",
            "/d.html": article_html("Library opens a reading room", OTHER).encode(),
        },
    )

    outcomes = dict(extract_many(both.settings, [original, copy, empty, other]))
    again = dict(extract_many(both.settings, [original, copy, empty, other]))

    assert outcomes[original] == Stored(original, "stored")
    assert outcomes[copy] == Stored(copy, "duplicate", original, "text")
    assert outcomes[empty] == Stored(empty, "failed")
    assert outcomes[other] == Stored(other, "stored")
    assert set(again.values()) == {Stored(i, "skipped") for i in again}
    assert both.article(copy).story_id == original
    assert (both.article(empty).fail_reason or "").startswith("extraction: no_text")


def test_a_corrupt_kept_page_fails_its_article_alone(both: Pipeline) -> None:
    broken, fine = _fetched(
        both,
        {
            "/a.html": article_html("Bridge budget approved", STORY).encode(),
            "/d.html": article_html("Library opens a reading room", OTHER).encode(),
        },
    )
    with session_scope(both.settings.database) as s:
        article_rows.update_article(s, broken, raw_html=b"not a zlib stream")

    outcomes = dict(extract_many(both.settings, [broken, fine]))

    assert isinstance(outcomes[broken], CorruptPage)
    assert outcomes[fine] == Stored(fine, "stored")
    # Still pending, under its lease: the sweeper takes it up again, and gives up after
    # VISTKA_MAX_ATTEMPTS attempts.
    assert both.article(broken).status == "fetched"
    assert both.article(broken).attempts == 2  # the fetch, and this extraction


def test_a_page_kept_by_an_earlier_release_as_zlib_is_still_extracted(both: Pipeline) -> None:
    body = article_html("Bridge budget approved", STORY).encode()
    (article_id,) = _fetched(both, {"/a.html": body})
    assert (both.article(article_id).raw_html or b"").startswith(ZSTD_MAGIC)
    with session_scope(both.settings.database) as s:
        article_rows.update_article(s, article_id, raw_html=zlib.compress(body, 1))

    assert dict(extract_many(both.settings, [article_id]))[article_id] == Stored(
        article_id, "stored"
    )
    assert STORY[0] in (both.article(article_id).text or "")


ANNOUNCED = [
    "The foreign ministers of the alliance will meet in Vienna on 14 January to discuss the "
    "grain corridor, the ministry said on Monday.",
    "The talks in Vienna are expected to last two days.",
]
HAPPENED = [
    "The foreign ministers of the alliance met in Vienna on Wednesday and discussed the grain "
    "corridor.",
    "The talks in Vienna ended with a joint statement on the grain corridor.",
]


def test_coverage_found_early_in_a_batch_is_kept(both: Pipeline) -> None:
    """An article of a batch that covers an event marks it, whatever follows it in the batch."""
    from storage.models import Event

    (announcing,) = _fetched(
        both,
        {"/plan.html": dated_page("Ministers to meet", "2026-01-05T09:00:00+00:00", ANNOUNCED)},
    )
    assert dict(extract_many(both.settings, [announcing])) == {
        announcing: Stored(announcing, "stored")
    }
    covering, other = _fetched(
        both,
        {
            "/met.html": dated_page("Ministers met", "2026-01-14T18:00:00+00:00", HAPPENED),
            "/library.html": dated_page("Library opens", "2026-01-14T19:00:00+00:00", OTHER),
        },
        feed="/later.xml",
    )

    outcomes = dict(extract_many(both.settings, [covering, other]))

    assert outcomes == {covering: Stored(covering, "stored"), other: Stored(other, "stored")}
    with session_scope(both.settings.database) as s:
        events = list(s.scalars(select(Event)))
    assert [(e.location, str(e.starts_on), e.covered_by) for e in events] == [
        ("Vienna", "2026-01-14", covering)
    ]
    assert events[0].status == "covered"


def test_a_near_copy_of_an_article_earlier_in_its_batch_is_found(both: Pipeline) -> None:
    """The band keys of a batch are written at its end: the articles decided before one are
    found among its candidates all the same, and every article's keys are written."""
    from storage.models import ArticleBand

    original, near, other = _fetched(
        both,
        {
            "/a.html": article_html("Bridge budget approved", STORY).encode(),
            "/b.html": article_html(
                "Council approves bridge budget",
                [*STORY, "The mayor called the vote a good day for the harbour district."],
            ).encode(),
            "/d.html": article_html("Library opens a reading room", OTHER).encode(),
        },
    )

    outcomes = dict(extract_many(both.settings, [original, near, other]))

    assert outcomes == {
        original: Stored(original, "stored"),
        near: Stored(near, "duplicate", original, "near"),
        other: Stored(other, "stored"),
    }
    assert both.article(near).story_id == original
    with session_scope(both.settings.database) as s:
        holders = set(s.scalars(select(ArticleBand.article_id)))  # type: ignore[call-overload]
    assert holders == {original, near, other}
