"""Render tracked events for people (table, Markdown, HTML) and for programs (JSON, iCalendar).

One entry point, ``render``, so the CLI and any web view pick a format by name. The views
come from storage; every format escapes article-supplied text its own way. HTML and
iCalendar live in ``report_html`` and ``report_ics``; the plain formats are here.

JSON (``fmt="json"``), the machine format, is one object::

    {"format": "vistka-events", "version": 1, "title": str, "generated_at": ISO datetime,
     "events": [{"id": int, "starts_on": "YYYY-MM-DD", "ends_on": "YYYY-MM-DD",
                 "location": str | null, "what": str, "status": str, "confidence": float,
                 "previous_starts_on": "YYYY-MM-DD" | null,
                 "sources": [SOURCE, ...], "covered_by": SOURCE | null}, ...]}

    SOURCE = {"article_id": int, "url": str, "title": str | null,
              "published_at": ISO datetime | null, "sentence": str}

Events are ordered by start date, end date, id. URLs are passed through as stored (a consumer
that links them must check the scheme); ``parse_json`` reads the format back.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ingest.report_html import render_html
from ingest.report_ics import render_ics
from ingest.report_views import (
    EventView,
    SourceView,
    ordered,
    published_text,
    safe_url,
    source_label,
    span_text,
    status_text,
)

Format = Literal["table", "md", "json", "html", "ics"]
FORMATS: tuple[Format, ...] = ("table", "md", "json", "html", "ics")
JSON_FORMAT = "vistka-events"
JSON_VERSION = 1
TABLE_WIDTH = 120

__all__ = ["FORMATS", "EventView", "Format", "SourceView", "parse_json", "render"]


def render(
    events: Sequence[EventView],
    fmt: Format,
    generated_at: datetime,
    title: str = "vistka — follow-up events",
) -> str:
    """The events in the chosen format; ``generated_at`` is stamped on the output."""
    chosen = ordered(tuple(events))
    if fmt == "table":
        return _table(chosen, generated_at, title)
    if fmt == "md":
        return _markdown(chosen, generated_at, title)
    if fmt == "json":
        return _json(chosen, generated_at, title)
    if fmt == "html":
        return render_html(chosen, generated_at, title)
    if fmt == "ics":
        return render_ics(chosen, generated_at, title)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


# --- table ---------------------------------------------------------------------------------


def _table(events: list[EventView], generated_at: datetime, title: str) -> str:
    """A rich table as plain text: ``Text`` cells, so "[red]" in a title is not markup."""
    table = Table(title=Text(title), caption=Text(f"generated {generated_at.isoformat()}"))
    for name in ("id", "when", "status", "where", "what", "conf.", "sources"):
        # Short fixed columns stay on one line; article text folds.
        table.add_column(
            name,
            overflow="fold",
            no_wrap=name in ("id", "status", "conf."),
            max_width=12 if name == "when" else None,
            ratio=2 if name == "sources" else None,
        )
    for event in events:
        sources = "\n".join(f"{published_text(s)} {source_label(s)}".strip() for s in event.sources)
        if event.covered_by is not None:
            sources += f"\ncovered: {source_label(event.covered_by)}"
        table.add_row(
            Text(str(event.id)),
            Text(span_text(event.starts_on, event.ends_on)),
            Text(status_text(event)),
            Text(event.location or ""),
            Text(event.what),
            Text(f"{event.confidence:.2f}"),
            Text(sources),
        )
    out = io.StringIO()
    console = Console(file=out, width=TABLE_WIDTH, color_system=None, force_terminal=False)
    console.print(table)
    return out.getvalue()


# --- Markdown ------------------------------------------------------------------------------

# Article text never starts a Markdown line here (cells, list items and headings have a
# prefix), so only inline syntax needs escaping; <, > and & become entities so no HTML passes.
_MD_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {ch: f"\\{ch}" for ch in "\\`*_{}[]()!|~"}
_URL_UNSAFE = {ch: f"%{ord(ch):02X}" for ch in "()<>\\\"' "}


def _md(text: str) -> str:
    """Article text as inert Markdown: no HTML, links, emphasis or table breaks."""
    return "".join(_MD_ESCAPES.get(ch, ch) for ch in " ".join(text.split()))


def _md_link(source: SourceView) -> str:
    url = safe_url(source.url)
    label = _md(source_label(source))
    if url is None:
        return f"{label} (link removed: not an http(s) URL)"
    return f"[{label}]({''.join(_URL_UNSAFE.get(ch, ch) for ch in url)})"


def _md_source(source: SourceView) -> str:
    when = published_text(source)
    head = f"{_md_link(source)}, {when}" if when else _md_link(source)
    return f"{head}: “{_md(source.sentence)}”"


def _markdown(events: list[EventView], generated_at: datetime, title: str) -> str:
    lines = [f"# {_md(title)}", "", f"Generated {_md(generated_at.isoformat())}", ""]
    if not events:
        return "\n".join([*lines, "No events.", ""])
    lines += ["| id | when | status | where | what | confidence | sources |", "|---" * 7 + "|"]
    for e in events:
        cells = (
            str(e.id),
            _md(span_text(e.starts_on, e.ends_on)),
            _md(status_text(e)),
            _md(e.location or ""),
            _md(e.what),
            f"{e.confidence:.2f}",
            str(len(e.sources)),
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Sources"]
    for e in events:
        lines += ["", f"### {e.id}. {_md(e.what)}", ""]
        lines += [f"- {_md_source(s)}" for s in e.sources]
        if e.covered_by is not None:
            lines.append(f"- covered by {_md_source(e.covered_by)}")
    return "\n".join([*lines, ""])


# --- JSON ----------------------------------------------------------------------------------


def _source_json(source: SourceView) -> dict[str, Any]:
    return {
        "article_id": source.article_id,
        "url": source.url,
        "title": source.title,
        "published_at": source.published_at.isoformat() if source.published_at else None,
        "sentence": source.sentence,
    }


def _event_json(e: EventView) -> dict[str, Any]:
    return {
        "id": e.id,
        "starts_on": e.starts_on.isoformat(),
        "ends_on": e.ends_on.isoformat(),
        "location": e.location,
        "what": e.what,
        "status": e.status,
        "confidence": e.confidence,
        "previous_starts_on": e.previous_starts_on.isoformat() if e.previous_starts_on else None,
        "sources": [_source_json(s) for s in e.sources],
        "covered_by": _source_json(e.covered_by) if e.covered_by else None,
    }


def _json(events: list[EventView], generated_at: datetime, title: str) -> str:
    document = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "title": title,
        "generated_at": generated_at.isoformat(),
        "events": [_event_json(e) for e in events],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _source_from(data: dict[str, Any]) -> SourceView:
    published = data["published_at"]
    return SourceView(
        article_id=int(data["article_id"]),
        url=str(data["url"]),
        title=data["title"],
        published_at=datetime.fromisoformat(published) if published else None,
        sentence=str(data["sentence"]),
    )


def parse_json(text: str) -> list[EventView]:
    """Events back from ``render(..., "json", ...)``; ValueError on another format/version."""
    document = json.loads(text)
    if document.get("format") != JSON_FORMAT or document.get("version") != JSON_VERSION:
        raise ValueError("not a vistka-events document of a known version")
    events = []
    for data in document["events"]:
        previous = data["previous_starts_on"]
        covered = data["covered_by"]
        events.append(
            EventView(
                id=int(data["id"]),
                starts_on=date.fromisoformat(data["starts_on"]),
                ends_on=date.fromisoformat(data["ends_on"]),
                location=data["location"],
                what=str(data["what"]),
                status=str(data["status"]),
                confidence=float(data["confidence"]),
                sources=tuple(_source_from(s) for s in data["sources"]),
                covered_by=_source_from(covered) if covered else None,
                previous_starts_on=date.fromisoformat(previous) if previous else None,
            )
        )
    return events
