"""``vistka feeds …``: the operator's view of what is polled, and how it is going."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlmodel import Session

from ingest.opml import OpmlFeed, parse_opml, render_opml
from ingest.urls import is_http_url
from storage import feeds as feed_rows
from storage.db import session_scope
from storage.models import Feed
from storage.types import utcnow
from workers.cli_common import console, fail, iso, print_json, ready_settings

feeds_app = typer.Typer(
    help="Add, list, import and export the feeds vistka polls.", no_args_is_help=True
)


def feed_json(feed: Feed) -> dict[str, object]:
    state = feed_rows.feed_state(feed)
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "language": feed.language,
        "enabled": feed.enabled,
        "state": state,
        "interval": feed.interval_seconds,
        "current_interval": feed.current_interval_seconds,
        "last_polled_at": iso(feed.last_polled_at),
        "last_success_at": iso(feed.last_success_at),
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "last_error_at": iso(feed.last_error_at),
        "consecutive_failures": feed.consecutive_failures,
        "disabled_reason": feed.disabled_reason,
        "parse_problem": feed.parse_problem,
        "next_poll_at": iso(feed.next_poll_at),
        "next_retry_at": iso(feed.next_poll_at) if state == "retrying" else None,
        "entries_seen": feed.entries_seen,
    }


def _shown_state(feed: Feed) -> str:
    """The table's "on" column: a retried feed shows when it is tried next."""
    state = feed_rows.feed_state(feed)
    if state == "enabled":
        return "yes"
    if state == "retrying":
        return f"retry {feed.next_poll_at:%Y-%m-%d %H:%M}"
    return state


@feeds_app.command("add")
def add(
    url: str,
    name: str | None = typer.Option(None, "--name", help="a title for the feed"),
    interval: int | None = typer.Option(None, "--interval", help="seconds between polls"),
    language: str | None = typer.Option(None, "--language", help="e.g. uk, ru, en"),
) -> None:
    """Add a feed (takes effect at the next dispatch, no restart)."""
    if not is_http_url(url):
        fail(f"not an http(s) URL: {url}")
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feed, created = feed_rows.add_feed(
            s, url, title=name, language=language, interval=interval or settings.default_interval
        )
        console.print(f"{'added' if created else 'already present'}: feed {feed.id} {feed.url}")


@feeds_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List feeds with their state."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feeds = list(feed_rows.list_feeds(s))
    if as_json:
        print_json([feed_json(f) for f in feeds])
        return
    table = Table("id", "url", "title", "on", "every", "last poll", "entries", "last error")
    for f in feeds:
        table.add_row(
            str(f.id),
            f.url,
            f.title or "",
            _shown_state(f),
            f"{f.current_interval_seconds}s",
            f.last_polled_at.strftime("%Y-%m-%d %H:%M") if f.last_polled_at else "never",
            str(f.entries_seen),
            (f.last_error or "")[:60],
        )
    console.print(table)


def _feed(session: Session, ref: str) -> Feed:
    """The feed by id or URL, or a clear message and exit code 1."""
    feed = feed_rows.get_feed(session, ref)
    if feed is None:
        fail(f"no such feed: {ref}")
    return feed


@feeds_app.command("remove")
def remove(ref: str = typer.Argument(..., help="feed id or URL")) -> None:
    """Remove a feed (its articles stay)."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feed = _feed(s, ref)
        feed_rows.remove_feed(s, feed)
        console.print(f"removed: feed {feed.id} {feed.url}")


@feeds_app.command("enable")
def enable(ref: str = typer.Argument(..., help="feed id or URL")) -> None:
    """Turn a feed back on: failures forgotten, polled at the next dispatch."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feed = _feed(s, ref)
        was = feed_rows.feed_state(feed)
        reason = feed.disabled_reason
        feed_rows.enable_feed(s, feed, utcnow())
        if was == "enabled":
            console.print(f"already enabled, due now: feed {feed.id} {feed.url}")
        else:
            console.print(f"enabled (was {was}: {reason}): feed {feed.id} {feed.url}")


@feeds_app.command("disable")
def disable(
    ref: str = typer.Argument(..., help="feed id or URL"),
    note: str | None = typer.Option(None, "--note", help="why, kept in disabled_reason"),
) -> None:
    """Stop polling a feed until `feeds enable` (never retried automatically; articles stay)."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feed = _feed(s, ref)
        feed_rows.disable_feed(s, feed, note)
        console.print(f"disabled ({feed.disabled_reason}): feed {feed.id} {feed.url}")


@feeds_app.command("import")
def import_(path: Path = typer.Argument(..., help="an OPML file")) -> None:
    """Add every feed of an OPML file."""
    if not path.is_file():
        fail(f"no such file: {path}")
    try:
        entries = parse_opml(path.read_bytes())
    except ValueError as err:
        fail(f"{path}: {err}")
    settings = ready_settings()
    added = 0
    with session_scope(settings.database) as s:
        for entry in entries:
            if not is_http_url(entry.url):
                console.print(f"skipped (not http): {entry.url}")
                continue
            _, created = feed_rows.add_feed(
                s,
                entry.url,
                title=entry.title,
                language=entry.language,
                interval=settings.default_interval,
            )
            added += created
    console.print(f"imported {added} new feed(s) of {len(entries)} in {path}")


@feeds_app.command("export")
def export() -> None:
    """Print all feeds as OPML."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        feeds = [
            OpmlFeed(url=f.url, title=f.title, language=f.language) for f in feed_rows.list_feeds(s)
        ]
    typer.echo(render_opml(feeds))
