"""The shared near-duplicate index: LSH band keys in an indexed table every worker sees.

A lookup reads only the buckets the new signature falls in, so its cost does not grow with the
number of stored articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from ingest import translation
from storage.lookup import one_of
from storage.models import Article, ArticleBand
from storage.upsert import insert_keys


@dataclass(frozen=True)
class Candidate:
    article_id: int
    signature: bytes
    language: str | None


def add_bands(session: Session, article_id: int, band_keys: Sequence[str]) -> None:
    """One statement for all of an article's band keys."""
    insert_keys(
        session,
        ArticleBand,
        "band_key",
        band_keys,
        {"article_id": article_id},
        conflict=("band_key", "article_id"),
    )


def candidates(session: Session, band_keys: Sequence[str], exclude: int) -> list[Candidate]:
    """Stored articles sharing at least one band with the given keys (originals and copies).

    Two plain lookups by primary key rather than one join: the join's plan depends on table
    statistics, and on a PostgreSQL without fresh ones (autovacuum off, a bulk load) it became a
    scan of ``article`` probing the band index once per row — seconds per article, inside the
    dedup lock. The usual answer is no candidate at all, and then the second query is skipped.
    """
    ids = _sharing(session, band_keys, exclude)
    if not ids:
        return []
    rows = session.execute(
        select(col(Article.id), col(Article.signature), col(Article.language))
        .where(col(Article.id).in_(ids), col(Article.signature).is_not(None))
        .order_by(col(Article.id))
    ).all()
    return [Candidate(int(r[0]), bytes(r[1]), r[2]) for r in rows]


def stored_versions(
    session: Session, band_keys: Sequence[str], exclude: int
) -> list[translation.Stored]:
    """Stored articles (not copies) sharing a translation band with the given keys, with what
    the translation rule reads; the page itself is not loaded."""
    ids = _sharing(session, band_keys, exclude)
    if not ids:
        return []
    rows = session.execute(
        select(
            col(Article.id),
            col(Article.text),
            col(Article.language),
            col(Article.host),
            col(Article.published_at),
        )
        .where(
            col(Article.id).in_(ids),
            col(Article.status) == "stored",
            col(Article.text).is_not(None),
        )
        .order_by(col(Article.id))
    ).all()
    return [translation.Stored(int(r[0]), str(r[1]), r[2], str(r[3]), r[4]) for r in rows]


def _sharing(session: Session, band_keys: Sequence[str], exclude: int) -> list[int]:
    """Ids of the articles holding any of the band keys, ``exclude`` left out."""
    if not band_keys:
        return []
    found = session.scalars(
        select(col(ArticleBand.article_id))
        .where(one_of(session, col(ArticleBand.band_key), sorted(set(band_keys))))
        .distinct()
    ).all()
    return sorted({int(i) for i in found} - {exclude})
