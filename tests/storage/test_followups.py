"""Events in the database: one event from several announcements, moves and cancellations applied,
coverage linked, statuses refreshed day by day — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ingest.followups.types import FollowUp
from ingest.tracking import Report
from storage import followups as followup_rows
from storage.db import session_scope
from storage.models import Article, Event, FollowUpRow

JAN = 2026


def _article(db: str, n: int) -> int:
    with session_scope(db) as s:
        art = Article(
            url_key=f"{n:064d}",
            url=f"https://news.example/{n}",
            host="news.example",
            status="stored",
        )
        s.add(art)
        s.flush()
        return int(art.id or 0)


def _announce(day: int, what: str, sentence: str, change: str | None = None) -> FollowUp:
    return FollowUp(
        starts_on=date(JAN, 1, day),
        ends_on=date(JAN, 1, day),
        location="Париж",
        what=what,
        sentence=sentence,
        confidence=0.9,
        change=change,
    )  # type: ignore[arg-type]


def _record(db: str, article: int, fu: FollowUp, today: date) -> list[int]:
    with session_scope(db) as s:
        return followup_rows.record(s, article, [fu], "uk", today)


def _event(db: str, event_id: int) -> Event:
    with session_scope(db) as s:
        event = s.get(Event, event_id)
        assert event is not None
        return event


def test_two_announcements_of_one_meeting_are_one_event_with_two_sources(db: str) -> None:
    today = date(JAN, 1, 4)
    first = _record(
        db,
        _article(db, 1),
        _announce(
            6,
            "зустріч на рівні лідерів країн",
            "Зустріч на рівні лідерів країн відбудеться 6 січня у Парижі.",
        ),
        today,
    )
    second = _record(
        db,
        _article(db, 2),
        _announce(
            6, "зустріч лідерів", "У вівторок, 6 січня, у Парижі відбудеться зустріч лідерів."
        ),
        today,
    )

    assert first == second
    with session_scope(db) as s:
        sources = s.scalars(select(FollowUpRow).where(FollowUpRow.event_id == first[0])).all()
        assert len(sources) == 2
    assert _event(db, first[0]).status == "upcoming"


def test_recording_the_same_article_twice_adds_nothing(db: str) -> None:
    article, today = _article(db, 1), date(JAN, 1, 4)
    fu = _announce(6, "зустріч лідерів", "6 січня у Парижі відбудеться зустріч лідерів.")
    assert _record(db, article, fu, today)
    assert _record(db, article, fu, today) == []
    with session_scope(db) as s:
        assert len(s.scalars(select(Event)).all()) == 1


def test_a_postponement_moves_the_event_and_a_cancellation_ends_it(db: str) -> None:
    today = date(JAN, 1, 4)
    (event_id,) = _record(
        db,
        _article(db, 1),
        _announce(
            6, "зустріч лідерів країн", "Зустріч лідерів країн відбудеться 6 січня у Парижі."
        ),
        today,
    )
    _record(
        db,
        _article(db, 2),
        _announce(
            12,
            "зустріч лідерів країн",
            "Зустріч лідерів країн у Парижі перенесли на 12 січня.",
            change="postponed",
        ),
        today,
    )

    moved = _event(db, event_id)
    assert (moved.starts_on, moved.previous_starts_on) == (date(JAN, 1, 12), date(JAN, 1, 6))
    assert moved.status == "postponed"

    _record(
        db,
        _article(db, 3),
        _announce(
            12,
            "зустріч лідерів країн",
            "Зустріч лідерів країн у Парижі 12 січня скасували.",
            change="cancelled",
        ),
        today,
    )
    assert _event(db, event_id).status == "cancelled"


def test_an_event_moved_by_an_article_is_found_at_its_new_date_by_the_same_article(
    db: str,
) -> None:
    today = date(JAN, 1, 4)
    (event_id,) = _record(
        db,
        _article(db, 1),
        _announce(6, "зустріч лідерів країн", "Зустріч лідерів країн відбудеться 6 січня."),
        today,
    )
    moved = _announce(
        12, "зустріч лідерів країн", "Зустріч лідерів країн перенесли на 12 січня.", "postponed"
    )
    two_days = FollowUp(
        starts_on=date(JAN, 1, 12),
        ends_on=date(JAN, 1, 13),
        location="Париж",
        what="зустріч лідерів країн",
        sentence="Зустріч лідерів країн триватиме 12 і 13 січня у Парижі.",
        confidence=0.9,
    )
    with session_scope(db) as s:
        ids = followup_rows.record(s, _article(db, 2), [moved, two_days], "uk", today)

    assert ids == [event_id, event_id]
    with session_scope(db) as s:
        assert len(s.scalars(select(Event)).all()) == 1


def test_a_later_report_covers_the_event_and_statuses_follow_the_calendar(db: str) -> None:
    (event_id,) = _record(
        db,
        _article(db, 1),
        _announce(
            6,
            "зустріч лідерів держав коаліції",
            "6 січня у Парижі відбудеться зустріч лідерів держав коаліції.",
        ),
        date(JAN, 1, 4),
    )
    with session_scope(db) as s:
        assert followup_rows.refresh_statuses(s, date(JAN, 1, 6)) == 1
    assert _event(db, event_id).status == "due"
    with session_scope(db) as s:
        followup_rows.refresh_statuses(s, date(JAN, 1, 7))
    assert _event(db, event_id).status == "past"

    report = (
        "У Парижі завершилася зустріч лідерів держав коаліції. Лідери держав коаліції "
        "обговорили гарантії безпеки."
    )
    with session_scope(db) as s:
        covered = followup_rows.mark_coverage(
            s, _article(db, 2), Report(report, date(JAN, 1, 6), "uk"), date(JAN, 1, 7)
        )
    assert covered == [event_id]
    event = _event(db, event_id)
    assert event.status == "covered" and event.covered_by is not None


def test_a_batch_view_gives_each_day_only_the_events_it_may_report(db: str) -> None:
    """The batch reads the events of all its days at once; each article still gets those from
    the start of an event to a week after its end, as a read of its own would."""
    today = date(JAN, 1, 4)
    (early,) = _record(
        db, _article(db, 1), _announce(6, "зустріч лідерів", "6 січня у Парижі зустріч."), today
    )
    announcer = _article(db, 2)
    (late,) = _record(
        db, announcer, _announce(20, "саміт коаліції", "20 січня у Парижі саміт."), today
    )
    with session_scope(db) as s:
        view = followup_rows.OpenEvents([date(JAN, 1, 7), date(JAN, 1, 21)])
        assert [int(e.id) for e in view.of_day(s, date(JAN, 1, 5))] == []
        assert [int(e.id) for e in view.of_day(s, date(JAN, 1, 13))] == [early]
        assert [int(e.id) for e in view.of_day(s, date(JAN, 1, 14))] == []
        assert [int(e.id) for e in view.of_day(s, date(JAN, 1, 21))] == [late]
        assert [int(e.id) for e in view.of_day(s, date(JAN, 1, 20))] == [late]
        sources = view.sources(s, [late])
        assert {i: [r.article_id for r in rows] for i, rows in sources.items()} == {
            late: [announcer]
        }
