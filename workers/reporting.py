"""The follow-up report: refresh statuses, turn rows into views, render, write report files."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from ingest.report import EventView, Format, SourceView, render
from storage import followups as followup_rows
from storage.db import session_scope
from storage.models import Article
from storage.types import utcnow
from workers.settings import Settings

FILES: dict[Format, str] = {
    "html": "followups.html",
    "ics": "followups.ics",
    "json": "followups.json",
    "md": "followups.md",
}


def today_in(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.report_timezone)).date()


def event_views(session: Session, start: date, end: date) -> list[EventView]:
    events = followup_rows.events_between(session, start, end)
    sources = followup_rows.sources_of(session, [int(e.id or 0) for e in events])
    article_ids = {s.article_id for s in sources} | {e.covered_by for e in events if e.covered_by}
    articles = {
        a.id: a
        for a in session.scalars(select(Article).where(col(Article.id).in_(list(article_ids))))
    }
    by_event: dict[int, list[SourceView]] = defaultdict(list)
    for row in sources:
        art = articles.get(row.article_id)
        if art is not None and row.event_id is not None:
            by_event[row.event_id].append(_source(art, row.sentence))
    views = []
    for e in events:
        cover = articles.get(e.covered_by) if e.covered_by else None
        views.append(
            EventView(
                id=int(e.id or 0),
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                location=e.location,
                what=e.what,
                status=e.status,
                confidence=e.confidence,
                sources=tuple(by_event.get(int(e.id or 0), ())),
                covered_by=_source(cover, "") if cover is not None else None,
                previous_starts_on=e.previous_starts_on,
            )
        )
    return views


def _source(art: Article, sentence: str) -> SourceView:
    return SourceView(
        article_id=int(art.id or 0),
        url=art.canonical_url or art.url,
        title=art.title,
        published_at=art.published_at,
        sentence=sentence,
    )


def build(
    settings: Settings, fmt: Format, days: int, past_days: int = 7, today: date | None = None
) -> str:
    """Refresh statuses as of ``today``, then render events from ``past_days`` ago to ``days``
    ahead. ``today`` defaults to the date in the report time zone; an analyst may ask "as of"."""
    today = today or today_in(settings)
    with session_scope(settings.database) as s:
        followup_rows.refresh_statuses(s, today)
    with session_scope(settings.database) as s:
        views = event_views(s, today - timedelta(days=past_days), today + timedelta(days=days))
    return render(views, fmt, utcnow())


def refresh_and_write(settings: Settings) -> Path:
    """The daily job: every file format into ``<data dir>/reports``."""
    out = settings.data_dir / "reports"
    out.mkdir(parents=True, exist_ok=True)
    for fmt, name in FILES.items():
        (out / name).write_text(build(settings, fmt, settings.report_days), encoding="utf-8")
    return out
