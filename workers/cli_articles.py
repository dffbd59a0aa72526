"""``vistka articles …`` and ``vistka stats``: what was stored, its copies, the reconciliation."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import typer
from rich.table import Table

from storage import articles as article_rows
from storage import stats as stats_rows
from storage.db import session_scope
from storage.models import Article
from workers.cli_common import console, fail, iso, print_json, ready_settings
from workers.queues import queue_depths

articles_app = typer.Typer(help="Read stored articles.", no_args_is_help=True)


def article_json(a: Article, with_text: bool = True) -> dict[str, object]:
    out: dict[str, object] = {
        "id": a.id,
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "published_at": iso(a.published_at),
        "language": a.language,
        "feed_id": a.feed_id,
        "status": a.status,
        "duplicate_of": a.duplicate_of,
        "duplicate_rule": a.duplicate_rule,
        "similarity": a.similarity,
        "story_id": a.story_id,
        "translation_of": a.translation_of,
        "fail_reason": a.fail_reason,
        "author": a.author,
        "description": a.description,
        "tags": json.loads(a.tags) if a.tags else [],
        "extractor": a.extractor,
        "extractor_version": a.extractor_version,
        "discovered_at": iso(a.discovered_at),
        "stored_at": iso(a.stored_at),
    }
    if with_text:
        out["text"] = a.text
    return out


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since wants an ISO date or time (2026-01-03 or 2026-01-03T10:00), got {value!r}")
    return parsed if parsed.tzinfo else parsed.astimezone()


@articles_app.command("list")
def list_(
    since: str | None = typer.Option(None, "--since", help="ISO date/time"),
    feed: int | None = typer.Option(None, "--feed", help="feed id"),
    status: str | None = typer.Option(None, "--status", help="stored, duplicate, failed, ..."),
    limit: int | None = typer.Option(None, "--limit"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """List articles."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        rows = article_rows.list_articles(
            s, since=_parse_since(since), feed_id=feed, status=status, limit=limit
        )
        data = [article_json(a) for a in rows]
    if as_json:
        print_json(data)
        return
    table = Table("id", "status", "published", "lang", "title", "story")
    for a in data:
        table.add_row(
            str(a["id"]),
            str(a["status"]),
            str(a["published_at"] or "")[:16],
            str(a["language"] or ""),
            str(a["title"] or a["url"])[:70],
            str(a["story_id"] or ""),
        )
    console.print(table)


@articles_app.command("show")
def show(article_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """One article in full, with the other copies of its story."""
    settings = ready_settings()
    with session_scope(settings.database) as s:
        art = s.get(Article, article_id)
        if art is None:
            fail(f"no such article: {article_id}")
        data = article_json(art)
        copies = [
            article_json(c, with_text=False)
            for c in article_rows.copies_of(s, art.story_id or art.id or 0)
            if c.id != art.id
        ]
    data["copies"] = copies
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{data['title'] or '(no title)'}[/bold]")
    for key in (
        "id",
        "url",
        "canonical_url",
        "published_at",
        "language",
        "author",
        "status",
        "duplicate_of",
        "duplicate_rule",
        "similarity",
        "story_id",
        "fail_reason",
        "extractor_version",
    ):
        if data.get(key) is not None:
            console.print(f"{key}: {data[key]}", markup=False)
    console.print()
    console.print(str(data.get("text") or ""), markup=False)
    if copies:
        console.print(f"\ncopies of this story ({len(copies)}):")
        for c in copies:
            console.print(
                f"  {c['id']} {c['status']} {c['duplicate_rule'] or ''} {c['url']}", markup=False
            )


@articles_app.command("reextract")
def reextract(
    host: list[str] = typer.Option([], "--host", help="only pages of this host (repeatable)"),
    since: str | None = typer.Option(None, "--since", help="ISO date/time"),
) -> None:
    """Extract again from the kept raw pages (after the cleaner improved); idempotent."""
    from rich.progress import Progress

    from workers.maintenance import reextract_all

    settings = ready_settings()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("re-extracting", total=None)
        outcome = reextract_all(
            settings,
            hosts=host,
            since=_parse_since(since),
            progress=lambda d, t: bar.update(task, completed=d, total=t),
        )
    console.print(
        "re-extracted: "
        + (
            ", ".join(f"{k}={v}" for k, v in outcome.items())
            or "nothing (no kept raw pages matched)"
        )
    )


def stats_data() -> dict[str, object]:
    settings = ready_settings()
    with session_scope(settings.database) as s:
        counts = article_rows.status_counts(s)
        url_dups = article_rows.url_duplicate_counts(s)
    per_feed: dict[str, dict[str, object]] = defaultdict(
        lambda: {
            "discovered": 0,
            "stored": 0,
            "duplicate": 0,
            "failed": 0,
            "pending": 0,
            "failed_by_reason": defaultdict(int),
        }
    )
    for feed_id, status, reason, n in counts:
        row = per_feed[str(feed_id)]
        row["discovered"] = int(row["discovered"]) + n  # type: ignore[call-overload]
        key = status if status in ("stored", "duplicate", "failed") else "pending"
        row[key] = int(row[key]) + n  # type: ignore[call-overload]
        if status == "failed":
            row["failed_by_reason"][(reason or "unknown").split(":")[0]] += n  # type: ignore[index]
    for feed_id, n in url_dups.items():
        per_feed[str(feed_id)]["url_duplicates"] = n
    for row in per_feed.values():
        row["failed_by_reason"] = dict(row["failed_by_reason"])  # type: ignore[call-overload]
        accounted = sum(int(row[k]) for k in ("stored", "duplicate", "failed"))  # type: ignore[call-overload]
        row["reconciled"] = row["pending"] == 0 and row["discovered"] == accounted
    totals = {
        k: sum(int(r.get(k, 0)) for r in per_feed.values())  # type: ignore[call-overload]
        for k in ("discovered", "stored", "duplicate", "failed", "pending")
    }
    now = datetime.now(UTC)
    with session_scope(settings.database) as s:
        totals.update(article_rows.story_counts(s))
        days = stats_rows.per_day(s, now - timedelta(days=14))
        rate = stats_rows.throughput(s, now)
    return {
        "totals": totals,
        "per_feed": dict(per_feed),
        "per_day": days,
        "throughput": rate,
        "queues": queue_depths(settings),
    }


def stats(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Articles by state per feed: discovered = stored + duplicates + failed (+ pending)."""
    data = stats_data()
    if as_json:
        print_json(data)
        return
    table = Table(
        "feed",
        "discovered",
        "stored",
        "duplicate",
        "failed",
        "pending",
        "url dups",
        "failed by reason",
    )
    for feed_id, row in sorted(data["per_feed"].items()):  # type: ignore[attr-defined]
        table.add_row(
            feed_id,
            *(str(row[k]) for k in ("discovered", "stored", "duplicate", "failed", "pending")),
            str(row.get("url_duplicates", 0)),
            ", ".join(f"{k}={v}" for k, v in row["failed_by_reason"].items()),
        )
    console.print(table)
    console.print("queues: " + ", ".join(f"{k}={v}" for k, v in data["queues"].items()))  # type: ignore[attr-defined]
    console.print("throughput: " + ", ".join(f"{k}={v}" for k, v in data["throughput"].items()))  # type: ignore[attr-defined]
    console.print("totals: " + ", ".join(f"{k}={v}" for k, v in data["totals"].items()))  # type: ignore[attr-defined]
