"""Multi-row upserts (``storage.upsert.insert_rows``, and the band keys written through it by
``storage.dedup.Bands``) on both backends."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from storage.db import session_scope
from storage.dedup import Bands
from storage.models import Article, ArticleBand, HostLine, HostPage
from storage.types import utcnow
from storage.upsert import insert_rows


def _article(db: str) -> int:
    with session_scope(db) as s:
        art = Article(
            url="https://visnyk.example/1",
            url_key="k" * 64,
            host="visnyk.example",
            status="stored",
            discovered_at=utcnow(),
            updated_at=utcnow(),
        )
        s.add(art)
        s.flush()
        return int(art.id or 0)


def test_keys_are_written_once_whatever_the_repeats(db: str) -> None:
    article_id = _article(db)
    for keys in (["b", "a", "b"], ["c", "a"], []):
        with session_scope(db) as s:
            bands = Bands()
            bands.add(article_id, keys)
            bands.write(s)
    with session_scope(db) as s:
        rows = s.execute(
            select(col(ArticleBand.band_key), col(ArticleBand.article_id)).order_by(
                col(ArticleBand.band_key)
            )
        ).all()
    assert [tuple(r) for r in rows] == [("a", article_id), ("b", article_id), ("c", article_id)]


def test_adding_counts_each_call_once_per_key(db: str) -> None:
    for keys in (["x", "y", "x"], ["y", "z"], ["y"]):
        with session_scope(db) as s:
            insert_rows(
                s,
                HostLine,
                [{"host": "visnyk.example", "fingerprint": k, "pages": 1} for k in set(keys)],
                conflict=("host", "fingerprint"),
                add="pages",
            )
    with session_scope(db) as s:
        counts = dict(
            s.execute(
                select(col(HostLine.fingerprint), col(HostLine.pages)).where(
                    col(HostLine.host) == "visnyk.example"
                )
            ).all()
        )
    assert counts == {"x": 1, "y": 3, "z": 1}


def _line_counts(db: str) -> dict[tuple[str, str], int]:
    with session_scope(db) as s:
        rows = s.execute(
            select(col(HostLine.host), col(HostLine.fingerprint), col(HostLine.pages))
        ).all()
    return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}


def test_whole_rows_add_their_value_to_an_existing_row(db: str) -> None:
    for batch in (
        [("a.example", "x", 2), ("b.example", "x", 1)],
        [("a.example", "x", 3), ("a.example", "y", 1)],
    ):
        with session_scope(db) as s:
            insert_rows(
                s,
                HostLine,
                [{"host": h, "fingerprint": fp, "pages": n} for h, fp, n in batch],
                conflict=("host", "fingerprint"),
                add="pages",
            )
    assert _line_counts(db) == {("a.example", "x"): 5, ("b.example", "x"): 1, ("a.example", "y"): 1}


def test_whole_rows_return_only_those_inserted(db: str) -> None:
    pages = [{"host": "a.example", "url_key": k} for k in ("p1", "p2")]
    with session_scope(db) as s:
        first = insert_rows(
            s, HostPage, pages, conflict=("host", "url_key"), returning=("url_key",)
        )
    with session_scope(db) as s:
        again = insert_rows(
            s,
            HostPage,
            [*pages, {"host": "a.example", "url_key": "p3"}],
            conflict=("host", "url_key"),
            returning=("url_key",),
        )
    assert sorted(first) == [("p1",), ("p2",)]
    assert again == [("p3",)]
