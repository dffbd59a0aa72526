"""``vistka demo``: serve the sample site on loopback, ingest it through the real pipeline (a real
worker process, the configured broker and database), then show what was stored and reported."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table

from storage import articles as article_rows
from storage import feeds as feed_rows
from storage import migrate
from storage.db import dispose_engines, session_scope
from workers.cli_common import console
from workers.demo.site import SITE_NAME, SampleSite
from workers.settings import Settings, get_settings


def demo_settings(data_dir: Path | None) -> Settings:
    """The demo's own data directory, and loopback allowed for its sample site only."""
    base = get_settings()
    target = data_dir or (base.data_dir / "demo")
    os.environ["VISTKA_DATA_DIR"] = str(target)
    networks = set(base.allowed_networks) | {"127.0.0.0/8"}
    os.environ["VISTKA_ALLOWED_NETWORKS"] = ",".join(sorted(networks))
    get_settings.cache_clear()
    dispose_engines()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database)
    from workers.app import app, configure

    configure(app, settings)  # this process publishes to the demo's own broker directory
    return settings


def run_demo(data_dir: Path | None = None) -> int:
    from workers.once import run_once
    from workers.reporting import build
    from workers.service import data_dir_lock, spawn_once_workers

    settings = demo_settings(data_dir)
    with SampleSite(datetime.now(UTC)) as site, data_dir_lock(settings):
        console.print(f"sample site: {SITE_NAME} at {site.base} ({len(site.articles)} articles)")
        with session_scope(settings.database) as s:
            feed_rows.add_feed(s, site.feed_url, title=SITE_NAME, language="uk", interval=900)
        summary = run_once(settings, spawn_once_workers(settings), timeout=300)
    console.print(
        f"stored {summary.stored}, duplicates {dict(summary.duplicates) or 0}, "
        f"failed {dict(summary.failed) or 0} in {summary.seconds:.1f} s"
    )
    with session_scope(settings.database) as s:
        rows = article_rows.list_articles(s)
        table = Table("id", "status", "published", "title", title="stored articles")
        for a in rows:
            note = (
                f"{a.status} (copy of {a.duplicate_of}, {a.duplicate_rule})"
                if a.status == "duplicate"
                else a.status
            )
            table.add_row(
                str(a.id),
                note,
                a.published_at.strftime("%Y-%m-%d %H:%M") if a.published_at else "",
                a.title or a.url,
            )
    console.print(table)
    print(build(settings, "table", settings.report_days))
    console.print(
        f"data kept in {settings.data_dir.resolve()} — try: "
        f"VISTKA_DATA_DIR={settings.data_dir} vistka articles list"
    )
    return 0 if summary.stored else 1
