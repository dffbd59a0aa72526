"""Operator commands: ``vistka flower``, ``vistka feeds health``, ``vistka explain``, heartbeat.

They answer the questions an operator asks of a running service — is it alive, which feeds are
sick or have gone quiet, and why a given URL was (or was not) fetched, stored or merged — from
what the pipeline recorded in the database, never from guesses.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import typer
from rich.table import Table
from sqlalchemy import and_, case, func, select
from sqlmodel import Session, col

from ingest.urls import BadURL, canonical_url, url_key
from storage import feeds as feed_rows
from storage.db import session_scope
from storage.models import Article, Feed, FeedEntry, ServiceState
from storage.types import utcnow
from workers.cli_common import console, fail, iso, print_json, ready_settings
from workers.settings import get_settings

FAILING_AFTER = 3.0  # weighted consecutive failures
SILENT_RATIO = 0.2  # last 24 h below a fifth of the feed's own daily average …
SILENT_MIN_DAILY = 3.0  # … of at least this many items a day
RULES = {
    "new": "first listing of this URL: a new article",
    "url": "URL already known (same canonical URL): linked to the existing article, "
    "not fetched again",
    "canonical": "same canonical URL as an earlier article (page's rel=canonical or its URL)",
    "text": "identical text (content hash) to an earlier article",
    "near": "near-identical text (MinHash containment) to an earlier article",
}


# --- vistka flower ----------------------------------------------------------------------------


def flower(
    port: int | None = typer.Option(None, "--port", help="default: VISTKA_FLOWER_PORT (5555)"),
    address: str = typer.Option("127.0.0.1", "--address", help="0.0.0.0 inside a container"),
    url_prefix: str = typer.Option("", "--url-prefix", help="when served under a path"),
    control: bool = typer.Option(
        False, "--control", help="allow revoke/shutdown/pool changes (read-only otherwise)"
    ),
    insecure_no_auth: bool = typer.Option(
        False, "--insecure-no-auth", help="start without basic auth (never in production)"
    ),
) -> None:
    """Flower on this service's broker: basic auth from VISTKA_FLOWER_USER/PASSWORD, state kept."""
    from workers import logs
    from workers.app import app as celery_app

    settings = get_settings()
    # Flower reads every FLOWER_* variable as an option; this one would open the API to anyone.
    os.environ.pop("FLOWER_UNAUTHENTICATED_API", None)
    password = settings.flower_password.get_secret_value() if settings.flower_password else ""
    if password:
        if "," in password or ":" in settings.flower_user or "," in settings.flower_user:
            fail("VISTKA_FLOWER_USER may not contain ':' or ',', nor the password ','")
        # Through the environment, not argv: the password stays out of `ps` and the compose file.
        os.environ["FLOWER_BASIC_AUTH"] = f"{settings.flower_user}:{password}"
    elif insecure_no_auth:
        os.environ.pop("FLOWER_BASIC_AUTH", None)
    else:
        fail(
            "VISTKA_FLOWER_PASSWORD is not set: Flower would be open to anyone who reaches it "
            "(set it, or pass --insecure-no-auth on a trusted machine)"
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(settings)
    argv = [
        "flower",
        f"--port={port or settings.flower_port}",
        f"--address={address}",
        "--persistent=True",
        f"--db={(settings.data_dir / 'flower.db').resolve()}",
        "--state_save_interval=60000",
        "--max_tasks=20000",
        "--purge_offline_workers=600",
    ]
    if url_prefix:
        argv.append(f"--url_prefix={url_prefix.strip('/')}")
    if not control:
        argv.append("--read_only")
    sys.exit(celery_app.start(argv) or 0)


# --- vistka feeds health ----------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    last_24h: int = 0
    previous_7d: int = 0  # the 7 days before the last 24 h
    last_7d: int = 0


def entry_volumes(s: Session, now: datetime) -> dict[int, Volume]:
    """Feed entries first seen per feed: last 24 h, the 7 days before, and the last 7 days."""
    day, week, start = now - timedelta(days=1), now - timedelta(days=7), now - timedelta(days=8)
    seen = col(FeedEntry.seen_at)
    rows = s.execute(
        select(
            col(FeedEntry.feed_id),
            func.sum(case((seen >= day, 1), else_=0)),
            func.sum(case((and_(seen >= start, seen < day), 1), else_=0)),
            func.sum(case((seen >= week, 1), else_=0)),
        )
        .where(seen >= start)
        .group_by(col(FeedEntry.feed_id))
    ).all()
    return {int(f): Volume(int(a or 0), int(b or 0), int(c or 0)) for f, a, b, c in rows}


def feed_health(feed: Feed, vol: Volume, now: datetime) -> dict[str, object]:
    """One feed's health; ``flags`` is empty for a healthy feed."""
    age_days = max((now - feed.created_at).total_seconds() / 86400, 0.0)
    per_day = vol.last_7d / min(max(age_days, 1.0), 7.0)
    baseline_days = min(max(age_days - 1.0, 0.0), 7.0)
    baseline = vol.previous_7d / baseline_days if baseline_days >= 1.0 else None
    succeeding = feed.last_success_at is not None and (
        feed.last_error_at is None or feed.last_success_at >= feed.last_error_at
    )
    flags: list[str] = []
    if not feed.enabled:
        flags.append("disabled")  # "state" tells a slow retry from a final stop
    if feed.consecutive_failures >= FAILING_AFTER:
        flags.append("failing")
    if (
        feed.enabled
        and succeeding
        and baseline is not None
        and baseline >= SILENT_MIN_DAILY
        and vol.last_24h <= baseline * SILENT_RATIO
    ):
        flags.append("silent")
    leased = feed.lease_until is not None and feed.lease_until > now
    overdue_after = timedelta(seconds=2 * max(feed.current_interval_seconds, 60))
    if feed.enabled and not leased and feed.next_poll_at < now - overdue_after:
        flags.append("overdue")
    reason = (feed.last_error or "").split(":", 1)[0] or None
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "enabled": feed.enabled,
        "state": feed_rows.feed_state(feed),
        "disabled_reason": feed.disabled_reason,
        "last_success_at": iso(feed.last_success_at),
        "last_error_at": iso(feed.last_error_at),
        "last_error": feed.last_error,
        "last_error_reason": reason,
        "last_error_kind": feed.last_error_kind,
        "last_status": feed.last_status,
        "consecutive_failures": feed.consecutive_failures,
        "items_per_day": round(per_day, 2),
        "items_last_24h": vol.last_24h,
        "daily_average_previous_7d": round(baseline, 2) if baseline is not None else None,
        "next_poll_at": iso(feed.next_poll_at),
        "flags": flags,
        "healthy": not flags,
    }


def feeds_health(
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Per feed: last success and error, failures, items a day, next poll; sick feeds flagged.

    Flags: failing (≥3 weighted failures in a row), disabled, overdue (next poll missed by two
    intervals), silent (polls succeed but the last 24 h brought under a fifth of the feed's usual
    daily volume: a feed that died quietly).
    """
    settings = ready_settings()
    now = utcnow()
    with session_scope(settings.database) as s:
        volumes = entry_volumes(s, now)
        rows = [
            feed_health(f, volumes.get(f.id or 0, Volume()), now)
            for f in s.scalars(select(Feed).order_by(col(Feed.id)))
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(
        "id", "url", "last success", "last error", "fails", "/day", "24h", "next poll", "flags"
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["url"])[:50],
            _short(r["last_success_at"]),
            str(r["last_error_reason"] or ""),
            f"{r['consecutive_failures']:g}",
            str(r["items_per_day"]),
            str(r["items_last_24h"]),
            _short(r["next_poll_at"]),
            ", ".join(r["flags"]),  # type: ignore[arg-type]
        )
    console.print(table)
    flagged = {
        flag: sum(flag in r["flags"] for r in rows)  # type: ignore[operator]
        for flag in ("failing", "disabled", "overdue", "silent")
    }
    console.print(f"{len(rows)} feed(s): " + ", ".join(f"{v} {k}" for k, v in flagged.items()))


def _short(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else "never"


# --- vistka explain ---------------------------------------------------------------------------


def explain(
    url: str = typer.Argument(..., help="an article URL, as listed by a feed or as canonical"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Why this URL was fetched or not, stored or not, and a duplicate of what, by which rule."""
    try:
        canonical = canonical_url(url)
    except BadURL as err:
        fail(f"not an http(s) URL: {url} ({err})")
    key = url_key(canonical)
    settings = ready_settings()
    with session_scope(settings.database) as s:
        data = _explain(s, url, canonical, key)
    if as_json:
        print_json(data)
    else:
        for line in data["story"]:  # type: ignore[attr-defined]
            console.print(line, markup=False, soft_wrap=True)
    if not data["known"]:
        sys.exit(1)  # (typer.Exit's code is dropped by the CLI's non-standalone main)


def _explain(s: Session, url: str, canonical: str, key: str) -> dict[str, object]:
    art = s.scalars(select(Article).where(col(Article.url_key) == key)).first()
    via_canonical: list[Article] = []
    if art is None:
        via_canonical = list(
            s.scalars(
                select(Article).where(col(Article.canonical_key) == key).order_by(col(Article.id))
            )
        )
        art = via_canonical[0] if via_canonical else None
    story: list[str] = []
    out: dict[str, object] = {
        "url": url,
        "canonical": canonical,
        "url_key": key,
        "known": art is not None,
        "article": None,
        "entries": [],
        "copies": [],
        "story": story,
    }
    if art is None:
        story.append(
            f"{canonical}: unknown — no feed listed this URL and no stored page "
            "declared it as canonical"
        )
        return out
    if via_canonical:
        story.append(
            f"not listed by a feed under this URL; article {art.id} ({art.url}) "
            f"declares it as its canonical URL"
        )
    entries = s.execute(
        select(FeedEntry, col(Feed.url))
        .join(Feed, col(Feed.id) == col(FeedEntry.feed_id), isouter=True)
        .where(col(FeedEntry.article_id) == art.id)
        .order_by(col(FeedEntry.seen_at), col(FeedEntry.id))
    ).all()
    out["entries"] = [
        {
            "feed_id": e.feed_id,
            "feed_url": feed_url,
            "rule": e.rule,
            "seen_at": iso(e.seen_at),
            "guid": e.guid,
            "url": e.url,
        }
        for e, feed_url in entries
    ]
    for e, feed_url in entries:
        story.append(
            f"{_short(iso(e.seen_at))} feed {e.feed_id} ({feed_url}) listed it — "
            f"rule '{e.rule}': {RULES.get(e.rule, e.rule)} → article {art.id}"
        )
    original = s.get(Article, art.duplicate_of) if art.duplicate_of else None
    out["article"] = {
        "id": art.id,
        "url": art.url,
        "status": art.status,
        "attempts": art.attempts,
        "http_status": art.http_status,
        "final_url": art.final_url,
        "fetched_at": iso(art.fetched_at),
        "fail_reason": art.fail_reason,
        "canonical_url": art.canonical_url,
        "duplicate_of": art.duplicate_of,
        "duplicate_of_url": original.url if original else None,
        "duplicate_rule": art.duplicate_rule,
        "similarity": art.similarity,
        "story_id": art.story_id,
        "extractor": art.extractor,
        "extractor_version": art.extractor_version,
        "stored_at": iso(art.stored_at),
    }
    story.extend(_fate(art, original))
    copies = s.scalars(
        select(Article).where(col(Article.duplicate_of) == art.id).order_by(col(Article.id))
    ).all()
    out["copies"] = [
        {"id": c.id, "url": c.url, "rule": c.duplicate_rule, "similarity": c.similarity}
        for c in copies
    ]
    for c in copies:
        story.append(
            f"article {c.id} ({c.url}) is a copy of it — rule '{c.duplicate_rule}'"
            f" (similarity {c.similarity})"
        )
    return out


def _fate(art: Article, original: Article | None) -> list[str]:
    lines: list[str] = []
    if art.fetched_at is not None:
        moved = f", final URL {art.final_url}" if art.final_url and art.final_url != art.url else ""
        lines.append(f"{_short(iso(art.fetched_at))} fetched: HTTP {art.http_status}{moved}")
    elif art.status == "discovered":
        lines.append(f"not fetched yet (waiting; {art.attempts} attempt(s) so far)")
    if art.status == "stored":
        lines.append(
            f"{_short(iso(art.stored_at))} stored as an original (story {art.story_id}); "
            f"canonical URL {art.canonical_url}; extractor {_extractor(art)}"
        )
    elif art.status == "duplicate":
        lines.append(
            f"not stored as an original: duplicate of article {art.duplicate_of}"
            f" ({original.url if original else '?'}) — rule '{art.duplicate_rule}': "
            f"{RULES.get(art.duplicate_rule or '', art.duplicate_rule)}"
            f"; similarity {art.similarity}; canonical URL {art.canonical_url}; "
            f"extractor {_extractor(art)}"
        )
    elif art.status == "failed":
        step = "extraction" if (art.fail_reason or "").startswith("extraction") else "fetch"
        lines.append(f"failed at {step}: {art.fail_reason}")
    elif art.status == "fetched":
        lines.append("fetched, waiting for extraction")
    return lines


def _extractor(art: Article) -> str:
    version = art.extractor_version or ""
    if art.extractor and not version.startswith(art.extractor):
        return f"{art.extractor} {version}".strip()
    return version or "unknown"


# --- vistka heartbeat -------------------------------------------------------------------------


def heartbeat(
    max_age: float = typer.Option(120.0, "--max-age", help="seconds"),
) -> None:
    """Exit 1 unless the dispatcher ran recently (beat and the control worker are both alive)."""
    settings = get_settings()
    with session_scope(settings.database) as s:
        row = s.get(ServiceState, "dispatch")
    if row is None:
        fail("no dispatcher heartbeat recorded yet")
    age = (utcnow() - row.updated_at).total_seconds()
    if age > max_age:
        fail(f"dispatcher heartbeat is {age:.0f} s old (limit {max_age:.0f} s)")
    console.print(f"dispatcher ran {age:.0f} s ago ({row.value} feed(s) dispatched)")


__all__ = ["explain", "feeds_health", "flower", "heartbeat"]
