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
from tests.support.stories import dated_page, story
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


def _announce(pipe: Pipeline) -> None:
    """A stored article that announces the ministers' meeting in Vienna on 14 January."""
    (announcing,) = _fetched(
        pipe,
        {"/plan.html": dated_page("Ministers to meet", "2026-01-05T09:00:00+00:00", ANNOUNCED)},
    )
    assert dict(extract_many(pipe.settings, [announcing])) == {
        announcing: Stored(announcing, "stored")
    }


def test_coverage_found_early_in_a_batch_is_kept(both: Pipeline) -> None:
    """An article of a batch that covers an event marks it, whatever follows it in the batch."""
    from storage.models import Event

    _announce(both)
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


CANCELLED = [
    "The meeting of the foreign ministers of the alliance in Vienna on 14 January, planned to "
    "discuss the grain corridor, has been cancelled, the ministry said.",
    "No new date was given for the talks.",
]


def _events(pipe: Pipeline) -> list[tuple[str | None, str, int | None, bool]]:
    from storage.models import Event

    with session_scope(pipe.settings.database) as s:
        return [
            (e.location, str(e.starts_on), e.covered_by, e.cancelled)
            for e in s.scalars(select(Event).order_by(Event.id))  # type: ignore[arg-type]
        ]


def test_an_event_announced_in_a_batch_is_covered_by_a_later_article_of_it(
    both: Pipeline,
) -> None:
    """The batch reads the open events again once an article of it announced one."""
    announcing, covering = _fetched(
        both,
        {
            "/plan.html": dated_page("Ministers to meet", "2026-01-05T09:00:00+00:00", ANNOUNCED),
            "/met.html": dated_page("Ministers met", "2026-01-14T18:00:00+00:00", HAPPENED),
        },
    )

    outcomes = dict(extract_many(both.settings, [announcing, covering]))

    assert set(outcomes.values()) == {
        Stored(announcing, "stored"),
        Stored(covering, "stored"),
    }
    assert _events(both) == [("Vienna", "2026-01-14", covering, False)]


def test_an_event_cancelled_early_in_a_batch_is_not_covered_by_a_later_article_of_it(
    both: Pipeline,
) -> None:
    """A cancellation read early in a batch holds for the articles after it."""
    _announce(both)
    cancelling, covering = _fetched(
        both,
        {
            "/off.html": dated_page("Meeting cancelled", "2026-01-10T09:00:00+00:00", CANCELLED),
            "/met.html": dated_page("Ministers met", "2026-01-14T18:00:00+00:00", HAPPENED),
        },
        feed="/later.xml",
    )

    extract_many(both.settings, [cancelling, covering])

    assert _events(both) == [("Vienna", "2026-01-14", None, True)]


REWORDED = (
    "Diplomats say the alliance's foreign ministers will meet in Vienna on 14 January for "
    "talks on the grain corridor."
)
CONCERT = [
    "The city orchestra played its new year concert in Vienna on Wednesday evening.",
    "Tickets for the spring concerts go on sale in February, the orchestra said.",
]


def test_an_article_does_not_cover_an_event_it_announces_once_the_batch_has_read_it(
    both: Pipeline,
) -> None:
    """An article that announces an event and reports it under way is one of its announcers,
    not its coverage, also when an article before it in the batch read that event already."""
    _announce(both)
    concert, both_ways = _fetched(
        both,
        {
            "/concert.html": dated_page("Concert", "2026-01-14T10:00:00+00:00", CONCERT),
            "/day.html": dated_page(
                "Ministers in Vienna", "2026-01-14T18:00:00+00:00", [REWORDED, *HAPPENED]
            ),
        },
        feed="/later.xml",
    )

    outcomes = dict(extract_many(both.settings, [concert, both_ways]))

    assert outcomes[both_ways] == Stored(both_ways, "stored")
    assert _events(both) == [("Vienna", "2026-01-14", None, False)]


REPORTED_AGAIN = [
    "In Vienna the alliance's foreign ministers held their talks on the grain corridor on "
    "Wednesday, and they ended with a statement.",
    "The ministers also met the Austrian chancellor in Vienna.",
]


def test_an_event_covered_early_in_a_batch_keeps_its_first_report(both: Pipeline) -> None:
    """Once an article of the batch covered an event, the articles after it see it covered."""
    _announce(both)
    first, second = _fetched(
        both,
        {
            "/met.html": dated_page("Ministers met", "2026-01-14T18:00:00+00:00", HAPPENED),
            "/again.html": dated_page("Talks held", "2026-01-15T08:00:00+00:00", REPORTED_AGAIN),
        },
        feed="/later.xml",
    )

    outcomes = dict(extract_many(both.settings, [first, second]))

    assert outcomes == {first: Stored(first, "stored"), second: Stored(second, "stored")}
    assert _events(both) == [("Vienna", "2026-01-14", first, False)]


def test_a_batch_reads_the_open_events_once(both: Pipeline) -> None:
    """Articles that announce nothing and cover nothing leave the batch's view as it was: one
    read of the events for all of them (it was one per article)."""
    from sqlalchemy import event

    from storage.db import get_engine

    _announce(both)
    later = _fetched(both, {f"/story{n}.html": story(n) for n in range(1, 5)}, feed="/later.xml")
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM event" in statement:
            reads.append(statement)

    engine = get_engine(both.settings.database)
    event.listen(engine, "before_cursor_execute", count)
    try:
        outcomes = dict(extract_many(both.settings, later))
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert [o.status for o in outcomes.values() if isinstance(o, Stored)] == ["stored"] * 4
    assert len(reads) == 1
    assert _events(both) == [("Vienna", "2026-01-14", None, False)]


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


def _refuse_new_events(pipe: Pipeline, refuse: bool = True) -> None:
    """A database that refuses every new event: a real failure half-way through recording an
    announcement, whose own row is written before its event."""
    from sqlalchemy import text

    with session_scope(pipe.settings.database) as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        if not refuse:
            s.execute(text("DROP TRIGGER refuse_event" + (" ON event" if postgres else "")))
        elif postgres:
            s.execute(
                text(
                    "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'no new events here'; END $$"
                )
            )
            s.execute(
                text(
                    "CREATE TRIGGER refuse_event BEFORE INSERT ON event "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_event()"
                )
            )
        else:
            s.execute(
                text(
                    "CREATE TRIGGER refuse_event BEFORE INSERT ON event "
                    "BEGIN SELECT RAISE(ABORT, 'no new events here'); END"
                )
            )


def _announcements(pipe: Pipeline) -> list[tuple[int, int | None]]:
    from storage.models import FollowUpRow

    with session_scope(pipe.settings.database) as s:
        return [
            (row.article_id, row.event_id)
            for row in s.scalars(select(FollowUpRow).order_by(FollowUpRow.id))  # type: ignore[arg-type]
        ]


def test_a_failure_recording_follow_ups_leaves_none_of_them_and_keeps_the_article(
    both: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    """The article and the rest of its batch are stored; of its follow-ups nothing is left (no
    announcement without its event), the reason is logged, and extracting it again once the
    fault is gone records them."""
    import logging

    from workers.extracting import reextract

    announcing, other = _fetched(
        both,
        {
            "/plan.html": dated_page("Ministers to meet", "2026-01-05T09:00:00+00:00", ANNOUNCED),
            "/library.html": dated_page("Library opens", "2026-01-05T10:00:00+00:00", OTHER),
        },
    )
    _refuse_new_events(both)

    with caplog.at_level(logging.ERROR, logger="vistka.extract"):
        outcomes = dict(extract_many(both.settings, [announcing, other]))

    assert outcomes == {announcing: Stored(announcing, "stored"), other: Stored(other, "stored")}
    assert both.article(announcing).text
    assert _announcements(both) == []
    assert _events(both) == []
    assert f"article {announcing}: recording follow-ups failed" in caplog.text
    assert "no new events here" in caplog.text

    _refuse_new_events(both, refuse=False)
    assert reextract(both.settings, announcing) == Stored(announcing, "stored")
    assert _events(both) == [("Vienna", "2026-01-14", None, False)]
    assert [article for article, event in _announcements(both) if event] == [announcing]
