"""Batch maintenance over stored articles: rebuild the duplicate index and stories, re-extract.

Both walk the articles in batches with a short transaction each, so they can run beside the live
service; both are idempotent (running them twice gives the same database).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlmodel import col

from ingest import dedup, translation
from storage import articles as article_rows
from storage.db import session_scope
from storage.models import Article, ArticleBand, ArticleKey
from workers.extracting import decide_duplicates, reextract
from workers.settings import Settings

Progress = Callable[[int, int], None]


def _ids(settings: Settings, query: object) -> list[int]:
    with session_scope(settings.database) as s:
        return [int(i) for i in s.scalars(query).all()]  # type: ignore[call-overload]


def rebuild_dedup(settings: Settings, batch: int = 200, progress: Progress | None = None) -> int:
    """Recompute signatures, duplicate keys, band index and stories for every stored article,
    oldest first (so the earliest copy of each story becomes its original)."""
    with session_scope(settings.database) as s:
        s.execute(delete(ArticleBand))
        s.execute(delete(ArticleKey))
        s.execute(
            update(Article)
            .where(col(Article.status).in_(("stored", "duplicate")))
            .values(
                status="stored",
                duplicate_of=None,
                duplicate_rule=None,
                similarity=None,
                story_id=None,
                translation_of=None,
            )
        )
    ids = _ids(
        settings,
        select(col(Article.id))
        .where(col(Article.status) == "stored", col(Article.text).is_not(None))
        .order_by(col(Article.published_at).asc().nulls_last(), col(Article.id)),
    )
    for start in range(0, len(ids), batch):
        with session_scope(settings.database) as s:
            article_rows.serialise_dedup(s)
            for article_id in ids[start : start + batch]:
                art = s.get(Article, article_id)
                if art is None or not art.text:
                    continue
                sig = dedup.signature(art.text)
                content_hash = dedup.content_hash(art.text)
                article_rows.update_article(
                    s, article_id, content_hash=content_hash, signature=sig.to_bytes()
                )
                result = decide_duplicates(
                    s, article_id, art.url_key, art.canonical_url or art.url, content_hash, sig
                )
                if result.status == "stored" and art.alternates:
                    pairs = [(str(p[0]), str(p[1])) for p in json.loads(art.alternates)]
                    named = translation.alternate_keys(pairs, art.language)
                    other = article_rows.translation_of(s, article_id, named)
                    if other is not None:
                        article_rows.update_article(
                            s,
                            article_id,
                            translation_of=other,
                            story_id=article_rows.story_of(s, other),
                        )
        if progress:
            progress(min(start + batch, len(ids)), len(ids))
    return len(ids)


def reextract_all(
    settings: Settings,
    *,
    hosts: Sequence[str] = (),
    since: datetime | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Extract again from kept raw pages (by host and/or discovery time); counts by outcome."""
    query = select(col(Article.id)).where(
        col(Article.status).in_(("stored", "duplicate")), col(Article.raw_html).is_not(None)
    )
    if hosts:
        query = query.where(col(Article.host).in_(list(hosts)))
    if since is not None:
        query = query.where(
            or_(col(Article.published_at) >= since, col(Article.discovered_at) >= since)
        )
    ids = _ids(settings, query.order_by(col(Article.id)))
    outcome: dict[str, int] = {}
    for done, article_id in enumerate(ids, 1):
        status = reextract(settings, article_id).status
        outcome[status] = outcome.get(status, 0) + 1
        if progress:
            progress(done, len(ids))
    return outcome
