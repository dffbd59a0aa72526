"""The iCalendar feed: tracked events in any calendar app that can subscribe to a URL.

Events are all-day (the finder knows days, not hours), so DTSTART/DTEND are DATE values
with DTEND the day *after* the last day, as RFC 5545 wants. The UID is ``event-<id>@vistka``
and never changes, so a subscribed calendar updates an event in place when it moves;
SEQUENCE rises to 1 once an event has been postponed. STATUS is CANCELLED for cancelled
events, CONFIRMED once coverage shows the event happened, TENTATIVE otherwise (an
announcement is a plan). Text escaping and line folding are left to the icalendar package.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from ingest.report_views import (
    EventView,
    SourceView,
    as_utc,
    published_text,
    safe_url,
    source_label,
    span_text,
)

PRODID = "-//vistka//follow-up events//EN"
UID_DOMAIN = "vistka"
# How often subscribers should re-read the feed (RFC 7986, and the older Outlook property).
REFRESH = timedelta(hours=6)
REFRESH_TEXT = "PT6H"


def event_uid(event_id: int) -> str:
    return f"event-{event_id}@{UID_DOMAIN}"


def _ics_status(status: str) -> str:
    if status == "cancelled":
        return "CANCELLED"
    if status == "covered":
        return "CONFIRMED"
    return "TENTATIVE"


def _source_lines(source: SourceView, prefix: str = "") -> list[str]:
    when = published_text(source)
    head = f"- {prefix}{source_label(source)}" + (f" ({when})" if when else "")
    url = safe_url(source.url)
    lines = [head]
    if url is not None and url != source_label(source):
        lines.append(f"  {url}")
    lines.append(f"  “{source.sentence.strip()}”")
    return lines


def _description(event: EventView) -> str:
    lines = [
        event.what,
        f"Status: {event.status}",
        f"When: {span_text(event.starts_on, event.ends_on)}",
    ]
    if event.previous_starts_on is not None:
        lines.append(f"Moved from: {event.previous_starts_on.isoformat()}")
    lines.append(f"Confidence: {event.confidence:.2f}")
    lines += ["", "Sources:"]
    for source in event.sources:
        lines += _source_lines(source)
    if event.covered_by is not None:
        lines += _source_lines(event.covered_by, prefix="covered by ")
    return "\n".join(lines)


def _vevent(event: EventView, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event_uid(event.id))
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.starts_on)
    vevent.add("dtend", event.ends_on + timedelta(days=1))
    vevent.add("summary", event.what)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("description", _description(event))
    vevent.add("status", _ics_status(event.status))
    vevent.add("transp", "TRANSPARENT")
    vevent.add("sequence", 1 if event.previous_starts_on is not None else 0)
    first_url = next((u for s in event.sources if (u := safe_url(s.url)) is not None), None)
    if first_url is not None:
        vevent.add("url", first_url)
    return vevent


def render_ics(events: list[EventView], generated_at: datetime, title: str) -> str:
    """A VCALENDAR with one VEVENT per event; CRLF line ends as the format requires."""
    stamp = as_utc(generated_at)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH_TEXT)
    for event in events:
        calendar.add_component(_vevent(event, stamp))
    return calendar.to_ical().decode("utf-8")
