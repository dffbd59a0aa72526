"""The shared near-duplicate index: LSH band keys in an indexed table every worker sees.

A lookup reads only the buckets the new signature falls in, so its cost does not grow with the
number of stored articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from ingest import translation
from storage.lookup import one_of
from storage.models import Article, ArticleBand
from storage.upsert import insert_rows


@dataclass(frozen=True)
class Candidate:
    article_id: int
    signature: bytes
    language: str | None


class Bands:
    """The shared index as one batch of articles sees it, in two statements for the batch.

    Every decision about a batch is made under the dedup lock, so nobody else adds band keys
    meanwhile: one lookup of all the batch's keys (``prefetch``), taken under the lock, answers
    each article's lookups, together with the keys of the articles decided before it in the
    batch, which are kept here and written in one statement at the end (``write``). Before, an
    article cost a lookup and a write for its near-duplicate keys, and another pair for its
    translation keys.
    """

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._holders: dict[str, set[int]] = {}
        self._pending: dict[int, list[str]] = {}

    def prefetch(self, session: Session, band_keys: Iterable[str]) -> None:
        """Read which stored articles hold any of these keys (those not read already)."""
        wanted = sorted(set(band_keys) - self._known)
        if not wanted:
            return
        rows = session.execute(
            select(col(ArticleBand.band_key), col(ArticleBand.article_id)).where(
                one_of(session, col(ArticleBand.band_key), wanted)
            )
        ).all()
        self._known.update(wanted)
        for key, article_id in rows:
            self._holders.setdefault(str(key), set()).add(int(article_id))

    def sharing(self, session: Session, band_keys: Sequence[str], exclude: int) -> list[int]:
        """Ids of the articles holding any of the keys, ``exclude`` left out."""
        self.prefetch(session, band_keys)
        found: set[int] = set()
        for key in band_keys:
            found |= self._holders.get(key, set())
        return sorted(found - {exclude})

    def add(self, article_id: int, band_keys: Sequence[str]) -> None:
        """The article's keys, seen by the articles after it and written by ``write``."""
        for key in band_keys:
            self._holders.setdefault(key, set()).add(article_id)
        self._pending.setdefault(article_id, []).extend(band_keys)

    def write(self, session: Session) -> None:
        """Every key added, in one statement."""
        rows = [
            {"band_key": key, "article_id": article_id}
            for article_id, keys in self._pending.items()
            for key in sorted(set(keys))
        ]
        insert_rows(session, ArticleBand, rows, conflict=("band_key", "article_id"))
        self._pending.clear()


def candidates(
    session: Session, band_keys: Sequence[str], exclude: int, bands: Bands | None = None
) -> list[Candidate]:
    """Stored articles sharing at least one band with the given keys (originals and copies).

    Two plain lookups by primary key rather than one join: the join's plan depends on table
    statistics, and on a PostgreSQL without fresh ones (autovacuum off, a bulk load) it became a
    scan of ``article`` probing the band index once per row — seconds per article, inside the
    dedup lock. The usual answer is no candidate at all, and then the second query is skipped.
    """
    ids = (bands or Bands()).sharing(session, band_keys, exclude)
    if not ids:
        return []
    rows = session.execute(
        select(col(Article.id), col(Article.signature), col(Article.language))
        .where(col(Article.id).in_(ids), col(Article.signature).is_not(None))
        .order_by(col(Article.id))
    ).all()
    return [Candidate(int(r[0]), bytes(r[1]), r[2]) for r in rows]


def stored_versions(
    session: Session, band_keys: Sequence[str], exclude: int, bands: Bands | None = None
) -> list[translation.Stored]:
    """Stored articles (not copies) sharing a translation band with the given keys, with what
    the translation rule reads; the page itself is not loaded."""
    ids = (bands or Bands()).sharing(session, band_keys, exclude)
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
