"""The values a report is drawn from, and the small rules every format shares.

Storage turns its rows into ``EventView``s; the renderers in ``ingest.report_*`` turn those
into text. Everything in a view that came from an article (titles, sentences, places, URLs)
is untrusted: each renderer escapes it for its own format, and only http(s) URLs ever become
links (``safe_url``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

# Statuses of events still to come (or under way): the HTML timeline's first section.
OPEN_STATUSES = frozenset({"due", "upcoming", "postponed"})


@dataclass(frozen=True)
class SourceView:
    """One article that announced (or reported) an event, and the sentence that did."""

    article_id: int
    url: str
    title: str | None
    published_at: datetime | None
    sentence: str


@dataclass(frozen=True)
class EventView:
    """One tracked event as a report shows it; ``status`` is a ``tracking.Status`` value."""

    id: int
    starts_on: date
    ends_on: date
    location: str | None
    what: str
    status: str
    confidence: float
    sources: tuple[SourceView, ...]
    covered_by: SourceView | None = None
    previous_starts_on: date | None = None


def safe_url(url: str) -> str | None:
    """The URL if it is an absolute http(s) URL with a host and no whitespace or control
    characters, else None: anything else ("javascript:", "data:") must not become a link."""
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def span_text(starts_on: date, ends_on: date) -> str:
    """One day as "2026-01-06", several as "2026-01-06 – 2026-01-08"."""
    if starts_on == ends_on:
        return starts_on.isoformat()
    return f"{starts_on.isoformat()} – {ends_on.isoformat()}"


def status_text(event: EventView) -> str:
    """The status with the date an event moved from, when known."""
    if event.previous_starts_on is not None:
        return f"{event.status} (was {event.previous_starts_on.isoformat()})"
    return event.status


def source_label(source: SourceView) -> str:
    """The article's title, or its URL when it has none."""
    return source.title.strip() if source.title and source.title.strip() else source.url


def published_text(source: SourceView) -> str:
    return source.published_at.date().isoformat() if source.published_at else ""


def ordered(events: list[EventView] | tuple[EventView, ...]) -> list[EventView]:
    """By start date, then end date, then id: the same input always prints the same way."""
    return sorted(events, key=lambda e: (e.starts_on, e.ends_on, e.id))


def as_utc(moment: datetime) -> datetime:
    """Aware UTC time; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
