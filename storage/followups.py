"""Announced events and their evidence: merge announcements into events, apply changes, mark
coverage, and read events back for reports.

The decisions (same event? covered? new status?) are pure functions in ``ingest.tracking``; this
module only finds the candidate rows and writes the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from ingest.followups.types import FollowUp
from ingest.tracking import (
    COVERAGE_DAYS,
    EventState,
    Report,
    apply_change,
    covers,
    event_status,
    event_terms,
    same_event,
    state_of,
)
from storage.lookup import one_of
from storage.models import Event, FollowUpRow
from storage.types import utcnow
from storage.upsert import insert_stmt

MATCH_WINDOW = timedelta(days=62)  # how far apart an announcement and a move of it may be
# An article may report an event up to this long after its last day (``ingest.tracking.covers``
# says the same, to the day; this is the window the candidates are read in).
COVERED_WITHIN = timedelta(days=COVERAGE_DAYS)


def _state(e: Event) -> EventState:
    return EventState(
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        precise=e.precise,
        postponed=e.postponed,
        previous_starts_on=e.previous_starts_on,
        previous_ends_on=e.previous_ends_on,
        cancelled=e.cancelled,
        covered=e.covered_by is not None,
    )


def _write_state(e: Event, state: EventState, today: date) -> None:
    for name, value in _state_columns(state, today).items():
        setattr(e, name, value)


def _state_columns(state: EventState, today: date) -> dict[str, Any]:
    """The event's columns that its state decides."""
    return {
        "starts_on": state.starts_on,
        "ends_on": state.ends_on,
        "precise": state.precise,
        "postponed": state.postponed,
        "cancelled": state.cancelled,
        "previous_starts_on": state.previous_starts_on,
        "previous_ends_on": state.previous_ends_on,
        "status": event_status(state, today),
        "updated_at": utcnow(),
    }


def _new_event(
    session: Session, fu: FollowUp, terms: frozenset[str], language: str | None, today: date
) -> int:
    """A new event from its first announcement, in one statement (an ORM object and its flush
    cost several times as much CPU, on every article that announces something new)."""
    columns = _state_columns(state_of(fu), today)
    columns.update(
        location=fu.location,
        what=fu.what[:500],
        terms=" ".join(sorted(terms)),
        language=language,
        confidence=fu.confidence,
        covered_by=None,
        created_at=columns["updated_at"],
    )
    stmt = insert_stmt(session, _EVENT).values(**columns).returning(_EVENT.c.id)
    return int(session.execute(stmt).scalar_one())


def record(
    session: Session,
    article_id: int,
    found: Sequence[FollowUp],
    language: str | None,
    today: date,
    events: OpenEvents | None = None,
) -> list[int]:
    """Store what one article announces and attach each announcement to its event.

    ``events``, a batch's view of the open events, is made to read them again once an
    announcement is stored: it may be a new event, or make this article one of a known event's
    announcers (which must not count as covered by it)."""
    event_ids: list[int] = []
    f = _FOLLOW_UP.c
    for fu in found:
        row = session.execute(
            insert_stmt(session, FollowUpRow)
            .values(
                article_id=article_id,
                starts_on=fu.starts_on,
                ends_on=fu.ends_on,
                location=fu.location,
                what=fu.what[:500],
                sentence=fu.sentence[:2000],
                confidence=fu.confidence,
                change=fu.change,
                precise=fu.precise,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["article_id", "starts_on", "ends_on"])
            .returning(FollowUpRow.__table__.c.id)  # type: ignore[attr-defined]
        ).first()
        if row is None:
            continue  # this article was processed before (a redelivery)
        if events is not None:
            events.forget()
        terms = event_terms(fu.what, fu.sentence, language)
        match = _matching_event(session, fu, terms, language)
        if match is None:
            event_id = _new_event(session, fu, terms, language, today)
        else:
            event_id = int(match.id)
            if fu.change is not None or not match.precise:
                changed = session.get(Event, event_id)
                if changed is not None:
                    _write_state(changed, apply_change(_state(changed), fu), today)
        session.execute(update(_FOLLOW_UP).where(f.id == row[0]).values(event_id=event_id))
        event_ids.append(event_id)
    return event_ids


def _matching_event(
    session: Session, fu: FollowUp, terms: frozenset[str], language: str | None
) -> Any | None:
    """The stored event this announcement repeats: same span and place, and similar wording —
    either of the whole sentences or of the short "what" phrases (sentences carry unrelated
    words that can hide an agreement the phrases show plainly). A row of ``_MATCHED``.

    Only events whose span overlaps the announcement's are read (``same_event`` wants that),
    and a postponement's within ``MATCH_WINDOW``, as plain rows: every announcement reads them,
    and their number grows with the events of the weeks around it.
    """
    what_terms = event_terms(fu.what, "", language)
    moved = fu.change == "postponed"
    window_start = fu.starts_on - (MATCH_WINDOW if moved else timedelta(0))
    window_end = fu.ends_on + (MATCH_WINDOW if moved else timedelta(0))
    e = _EVENT.c
    candidates = session.execute(
        select(*(e[name] for name in _MATCHED))
        .where(e.starts_on <= window_end, e.ends_on >= window_start)
        .order_by(e.id)
    ).all()
    for row in candidates:
        other = FollowUp(
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            location=row.location,
            what=row.what,
            sentence="",
            confidence=row.confidence,
            precise=row.precise,
        )
        if same_event(other, fu, frozenset(row.terms.split()), terms) or same_event(
            other, fu, event_terms(row.what, "", row.language), what_terms
        ):
            return row
    return None


_EVENT = Event.__table__  # type: ignore[attr-defined]
_FOLLOW_UP = FollowUpRow.__table__  # type: ignore[attr-defined]
# What deciding "the same event" reads of a stored one.
_MATCHED = (
    "id",
    "starts_on",
    "ends_on",
    "location",
    "what",
    "terms",
    "language",
    "confidence",
    "precise",
)


class OpenEvents:
    """The open events of a batch's days and the announcements of those its articles may cover.

    Every stored article is checked against the open events of its days: read per article,
    that was two statements for each. A batch reads the events of all its days once and the
    announcements of an event once, and reads again only after one of its articles changed
    them: ``record`` and ``mark_coverage`` call ``forget`` when they do. (The session writes
    its pending changes before it reads.)
    """

    def __init__(self, published: Sequence[date]) -> None:
        self._since = min(published) - COVERED_WITHIN
        self._until = max(published)
        self._events: list[Any] | None = None
        self._sources: dict[int, list[Any]] = {}

    def forget(self) -> None:
        self._events = None
        self._sources.clear()

    def of_day(self, session: Session, published: date) -> list[Any]:
        """Events not yet covered or cancelled that an article of ``published`` may report."""
        if self._events is None:
            e = _EVENT.c
            self._events = list(
                session.execute(
                    select(e.id, e.starts_on, e.ends_on, e.location, e.terms, e.what, e.language)
                    .where(
                        e.starts_on <= self._until,
                        e.ends_on >= self._since,
                        e.covered_by.is_(None),
                        e.cancelled.is_(False),
                    )
                    .order_by(e.id)
                ).all()
            )
        since = published - COVERED_WITHIN
        return [ev for ev in self._events if ev.starts_on <= published and ev.ends_on >= since]

    def candidates(self, session: Session, report: Report) -> list[Any]:
        """The open events the article of ``report`` may cover. An event at a place the
        article does not name is not covered by it (``covers``): most are ruled out here,
        before their announcements are read."""
        return [
            ev
            for ev in self.of_day(session, report.published)
            if not ev.location or report.mentions(ev.location)
        ]

    def sources(self, session: Session, event_ids: Sequence[int]) -> dict[int, list[Any]]:
        """The announcements of each event, in the order they were stored."""
        missing = [i for i in event_ids if i not in self._sources]
        if missing:
            self._sources.update((i, []) for i in missing)
            f = _FOLLOW_UP.c
            for row in session.execute(
                select(f.event_id, f.article_id, f.what, f.sentence)
                .where(one_of(session, f.event_id, missing))
                .order_by(f.id)
            ):
                self._sources[int(row.event_id)].append(row)
        return {i: self._sources[i] for i in event_ids}


def mark_coverage(
    session: Session,
    article_id: int,
    report: Report,
    today: date,
    events: OpenEvents | None = None,
) -> list[int]:
    """Events this article reports as having happened (published on or after their start).

    ``report`` is the article already analysed (``ingest.tracking.Report``): built before the
    transaction, so the word analysis does not run under the dedup lock. ``events``: the
    batch's view of the open events (read here when not given), made to read them again once
    an event is covered.
    """
    events = events if events is not None else OpenEvents([report.published])
    candidates = events.candidates(session, report)
    if not candidates:
        return []
    sources = events.sources(session, [int(ev.id) for ev in candidates])
    covered: list[int] = []
    for ev in candidates:
        mine = sources[int(ev.id)]
        if any(row.article_id == article_id for row in mine):
            continue
        if any(
            covers(report, ev.starts_on, ev.ends_on, ev.location, terms)
            for terms in _wordings(ev, mine)
        ):
            event = session.get(Event, ev.id)
            if event is not None:
                events.forget()
                event.covered_by = article_id
                _write_state(event, _state(event), today)
                covered.append(int(ev.id))
    return covered


def _wordings(e: Any, sources: Sequence[Any]) -> Iterator[frozenset[str]]:
    """Every way the event was worded: its short phrase and each announcing sentence.

    A report matching any of them covers the event; judging only by the first announcement
    would make coverage depend on which announcement happened to be stored first.
    """
    yield frozenset(e.terms.split())
    yield event_terms(e.what, "", e.language)
    for row in sources:
        yield event_terms(row.what, row.sentence, e.language)


def refresh_statuses(session: Session, today: date) -> int:
    """Recompute every event's status for today (upcoming → due → past)."""
    changed = 0
    for e in session.scalars(select(Event)).all():
        status = event_status(_state(e), today)
        if status != e.status:
            e.status, e.updated_at = status, utcnow()
            changed += 1
    return changed


def events_between(session: Session, start: date, end: date) -> Sequence[Event]:
    return session.scalars(
        select(Event)
        .where(col(Event.ends_on) >= start, col(Event.starts_on) <= end)
        .order_by(col(Event.starts_on), col(Event.id))
    ).all()


def sources_of(session: Session, event_ids: Sequence[int]) -> Sequence[FollowUpRow]:
    if not event_ids:
        return []
    return session.scalars(
        select(FollowUpRow)
        .where(col(FollowUpRow.event_id).in_(list(event_ids)))
        .order_by(col(FollowUpRow.id))
    ).all()
