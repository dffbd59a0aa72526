"""The HTML report: one self-contained page, safe to open whatever the articles contained.

It is meant to be saved, mailed or served as a static file, so it carries its own CSS and
loads nothing: no scripts, fonts or images, and a Content-Security-Policy that forbids them
as a second line of defence. Every string that came from an article goes through
``html.escape``; only http(s) URLs become links, and those open without a referrer.

The page has a timeline of what is still to come (due, upcoming, postponed) grouped by
day, then the rest (covered, past, cancelled), newest day first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from html import escape
from itertools import groupby

from ingest.report_views import (
    OPEN_STATUSES,
    EventView,
    SourceView,
    published_text,
    safe_url,
    source_label,
    span_text,
)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;
color:#1b1f23;background:#fff}
h1{font-size:1.5rem;margin-bottom:.2rem}.generated{color:#666;margin-top:0}
h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1rem;margin:1.2rem 0 .3rem;color:#444}
.event{border-left:4px solid #4a7bd0;padding:.3rem .8rem;margin:.6rem 0;background:#f7f9fc}
.event.cancelled{border-color:#b33;opacity:.75}.event.cancelled .what{text-decoration:line-through}
.event.postponed{border-color:#d59b1c}.event.covered,.event.past{border-color:#3a9a5b}
.what{font-weight:600}.meta{color:#555;font-size:.9rem}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;background:#e4e8ef;
font-size:.8rem;margin-right:.3rem}
ul.sources{margin:.3rem 0 .2rem 1rem;padding:0}ul.sources li{margin:.25rem 0}
blockquote{margin:.1rem 0 0;color:#333;font-style:italic}
.empty{color:#666}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _link(source: SourceView) -> str:
    label = _e(source_label(source))
    url = safe_url(source.url)
    if url is None:
        return f'<span class="unlinked" title="not an http(s) URL">{label}</span>'
    return f'<a href="{_e(url)}" rel="noopener noreferrer nofollow">{label}</a>'


def _source_item(source: SourceView, prefix: str = "") -> str:
    when = published_text(source)
    when_html = f' <span class="meta">{_e(when)}</span>' if when else ""
    return (
        f"<li>{prefix}{_link(source)}{when_html}<blockquote>{_e(source.sentence)}</blockquote></li>"
    )


def _event(event: EventView) -> str:
    meta = [_e(span_text(event.starts_on, event.ends_on))]
    if event.location:
        meta.append(_e(event.location))
    if event.previous_starts_on is not None:
        meta.append(f"moved from {_e(event.previous_starts_on.isoformat())}")
    meta.append(f"confidence {event.confidence:.2f}")
    items = [_source_item(s) for s in event.sources]
    if event.covered_by is not None:
        items.append(_source_item(event.covered_by, prefix="covered by "))
    status = _e(event.status)
    return (
        f'<article class="event {status}" id="event-{event.id}">'
        f'<div><span class="badge">{status}</span><span class="what">{_e(event.what)}</span></div>'
        f'<div class="meta">{" · ".join(meta)}</div>'
        f'<ul class="sources">{"".join(items)}</ul></article>'
    )


def _day_heading(day: date) -> str:
    return f"<h3>{_WEEKDAYS[day.weekday()]}, {day.isoformat()}</h3>"


def _timeline(events: Iterable[EventView], newest_first: bool) -> str:
    chosen = sorted(events, key=lambda e: (e.starts_on, e.ends_on, e.id), reverse=newest_first)
    if not chosen:
        return '<p class="empty">Nothing here.</p>'
    parts = []
    for day, group in groupby(chosen, key=lambda e: e.starts_on):
        parts.append(_day_heading(day))
        parts.extend(_event(e) for e in group)
    return "\n".join(parts)


def render_html(events: list[EventView], generated_at: datetime, title: str) -> str:
    """The whole page; ``events`` in any order."""
    open_events = [e for e in events if e.status in OPEN_STATUSES]
    closed = [e for e in events if e.status not in OPEN_STATUSES]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{_e(title)}</h1>
<p class="generated">Generated {_e(generated_at.isoformat())}</p>
<section id="upcoming"><h2>Coming up</h2>
{_timeline(open_events, newest_first=False)}
</section>
<section id="earlier"><h2>Covered, past and cancelled</h2>
{_timeline(closed, newest_first=True)}
</section>
</body>
</html>
"""
