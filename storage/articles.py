"""Article rows: discovery from feed entries, claims per pipeline step, results, duplicates.

The article's ``status`` is the truth about pending work (discovered → fetched → stored |
duplicate | failed); a sweeper re-queues rows whose step was lost with its broker message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, or_, select, text, update
from sqlmodel import Session, col

from storage.lookup import one_of
from storage.models import Article, ArticleKey, FeedEntry
from storage.types import utcnow
from storage.upsert import insert_rows

PENDING = ("discovered", "fetched")


@dataclass(frozen=True)
class NewEntry:
    """A feed item ready to be recorded (keys computed by ingest/urls)."""

    entry_key: str
    guid: str | None
    url: str
    url_key: str
    host: str
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None


@dataclass
class EntryOutcome:
    new_article_ids: list[int] = field(default_factory=list)
    url_duplicates: int = 0
    known: int = 0


def record_entries(session: Session, feed_id: int, entries: Sequence[NewEntry]) -> EntryOutcome:
    """Record unseen entries; a new URL becomes a ``discovered`` article, a known URL is linked.

    Four statements whatever the number of entries (entries, articles, the URLs already known,
    the links). Articles are created in the feed's order, which ranks copies discovered at the
    same moment (``precedence``); ``new_article_ids`` follow it.
    """
    out = EntryOutcome()
    now = utcnow()
    unique = _first_of_each(entries, lambda e: e.entry_key)
    seen = dict(
        insert_rows(
            session,
            FeedEntry,
            [_entry_row(feed_id, e, now) for e in unique],
            conflict=("feed_id", "entry_key"),
            returning=("entry_key", "id"),
        )
    )
    fresh = [e for e in unique if e.entry_key in seen]
    out.known = len(entries) - len(fresh)
    if not fresh:
        return out
    created = dict(
        insert_rows(
            session,
            Article,
            [_discovered(feed_id, e, now) for e in _first_of_each(fresh, lambda e: e.url_key)],
            conflict=("url_key",),
            returning=("url_key", "id"),
            key_order=False,  # ids in the feed's order: the discovery order copies are ranked by
        )
    )
    known = _ids_of(session, {e.url_key for e in fresh} - set(created))
    links: list[dict[str, object]] = []
    for e in fresh:
        article_id = created.get(e.url_key)
        new = article_id is not None and article_id not in out.new_article_ids
        if new:
            out.new_article_ids.append(int(article_id or 0))
        else:
            out.url_duplicates += 1
        links.append(
            {
                "entry_id": seen[e.entry_key],
                "article": known.get(e.url_key) if article_id is None else article_id,
                "link_rule": "new" if new else "url",
            }
        )
    table = FeedEntry.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == bindparam("entry_id"))
        .values(article_id=bindparam("article"), rule=bindparam("link_rule")),
        links,
    )
    return out


def _first_of_each(entries: Sequence[NewEntry], key: Callable[[NewEntry], str]) -> list[NewEntry]:
    """The first entry of each key, in order (a feed may list one item twice)."""
    firsts: dict[str, NewEntry] = {}
    for e in entries:
        firsts.setdefault(key(e), e)
    return list(firsts.values())


def _entry_row(feed_id: int, e: NewEntry, now: datetime) -> dict[str, object]:
    return {
        "feed_id": feed_id,
        "entry_key": e.entry_key,
        "guid": e.guid,
        "url": e.url,
        "rule": "new",
        "seen_at": now,
    }


def _discovered(feed_id: int, e: NewEntry, now: datetime) -> dict[str, object]:
    return {
        "url_key": e.url_key,
        "url": e.url,
        "host": e.host,
        "feed_id": feed_id,
        "guid": e.guid,
        "status": "discovered",
        "attempts": 0,
        "feed_title": e.title,
        "feed_summary": e.summary,
        "feed_published_at": e.published_at,
        "discovered_at": now,
        "updated_at": now,
    }


def _ids_of(session: Session, url_keys: set[str]) -> dict[str, int]:
    """Article ids of already known URLs."""
    if not url_keys:
        return {}
    rows = session.execute(
        select(col(Article.url_key), col(Article.id)).where(
            one_of(session, col(Article.url_key), sorted(url_keys))
        )
    ).all()
    return {str(r[0]): int(r[1]) for r in rows}


def claim(
    session: Session,
    article_ids: Sequence[int],
    status: str,
    lease: timedelta,
    columns: Sequence[str],
) -> list[Row[Any]]:
    """Lease several articles for one step in one statement: those still waiting for it.

    Returns the named columns of the rows claimed (a plain Core statement: loading ORM objects
    costs more than the claim), in the order of ``article_ids``.
    """
    if not article_ids:
        return []
    now = utcnow()
    table = Article.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        update(table)
        .where(
            table.c.id.in_(list(article_ids)),
            table.c.status == status,
            or_(table.c.lease_until.is_(None), table.c.lease_until < now),
        )
        .values(lease_until=now + lease, attempts=table.c.attempts + 1, updated_at=now)
        .returning(*[table.c[name] for name in ("id", *columns)])
    ).all()
    order = {article_id: index for index, article_id in enumerate(article_ids)}
    return sorted(rows, key=lambda row: order.get(int(row[0]), len(order)))


def update_article(session: Session, article_id: int, **values: object) -> None:
    values.setdefault("updated_at", utcnow())
    # A Core statement on the table: no ORM synchronisation of loaded objects (its evaluation
    # costs more than the UPDATE); callers that read the row afterwards load it again with
    # ``populate_existing``.
    columns = tuple(sorted(values))
    session.execute(
        _update_stmt(columns),
        {"row_id": article_id, **{f"new_{name}": values[name] for name in columns}},
    )


@lru_cache(maxsize=64)
def _update_stmt(columns: tuple[str, ...]) -> Any:
    """One statement object per set of columns, values as parameters.

    SQLAlchemy finds a statement's compiled form by a key it derives from the statement; a new
    statement with its values inlined (a stored article sets 23 columns) had that key derived
    anew on every call, which cost more than sending the UPDATE. The key of a statement object
    is kept on it.
    """
    table = Article.__table__  # type: ignore[attr-defined]
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({name: bindparam(f"new_{name}") for name in columns})
    )


def update_articles(session: Session, changes: Sequence[tuple[int, dict[str, object]]]) -> None:
    """Several articles' updates as one executemany per set of columns changed.

    A fetched batch writes every outcome together: the driver sends an executemany as one
    pipeline (psycopg), where separate UPDATEs each wait for their answer. One change per
    article: the groups run in no order that would settle two.
    """
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for article_id, values in changes:
        row = {"updated_at": now, **values}
        columns = tuple(sorted(row))
        groups.setdefault(columns, []).append(
            {"row_id": article_id, **{f"new_{name}": row[name] for name in columns}}
        )
    for columns, params in groups.items():
        session.execute(_update_stmt(columns), params)


def released() -> dict[str, object]:
    """An article's new state when its step is given back (a retry will claim it again)."""
    return {"lease_until": None}


def failed(reason: str) -> dict[str, object]:
    """An article's new state when it failed for good, with the reason recorded."""
    return {"status": "failed", "fail_reason": reason, "lease_until": None}


def release(session: Session, article_id: int) -> None:
    update_article(session, article_id, **released())


def fail(session: Session, article_id: int, reason: str) -> None:
    update_article(session, article_id, **failed(reason))


def stale_pending(
    session: Session,
    *,
    idle: timedelta,
    limit: int = 1000,
    statuses: Sequence[str] = PENDING,
) -> list[tuple[int, str]]:
    """Pending articles nobody is working on: their broker message was lost or never sent."""
    if not statuses:
        return []
    now = utcnow()
    rows = session.execute(
        select(col(Article.id), col(Article.status))
        .where(
            col(Article.status).in_(list(statuses)),
            col(Article.updated_at) < now - idle,
            or_(col(Article.lease_until).is_(None), col(Article.lease_until) < now),
        )
        .order_by(col(Article.id))
        .limit(limit)
    ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def touch(session: Session, article_ids: Sequence[int]) -> None:
    """Mark rows as just handled (their step was queued again), so the next sweep waits for them."""
    if article_ids:
        session.execute(
            update(Article)
            .where(col(Article.id).in_(list(article_ids)))
            .values(updated_at=utcnow()),
            execution_options={"synchronize_session": False},
        )


def claim_keys(session: Session, article_id: int, keys: Sequence[str]) -> tuple[int, str] | None:
    """Own each free key; return (owner, key) of the first key another article already owns."""
    return first_taken(claim_keys_of(session, [(article_id, keys)]), article_id, keys)


def claim_keys_of(session: Session, claims: Sequence[tuple[int, Sequence[str]]]) -> dict[str, int]:
    """Several articles' keys claimed at once, in the order given: the owner of every key after.

    A key already owned keeps its owner; a free one goes to the first article that has it, as
    if the articles had claimed theirs one after the other (an article's keys are decided by
    ``first_taken``). Two statements for a batch, where one article at a time took two each.
    """
    first: dict[str, int] = {}
    for article_id, keys in claims:
        for key in keys:
            first.setdefault(key, article_id)
    if not first:
        return {}
    insert_rows(
        session,
        ArticleKey,
        [{"key": key, "article_id": owner} for key, owner in first.items()],
        conflict=("key",),
    )
    rows = session.execute(
        select(col(ArticleKey.key), col(ArticleKey.article_id)).where(
            one_of(session, col(ArticleKey.key), list(first))
        )
    ).all()
    return {str(key): int(owner) for key, owner in rows}


def first_taken(
    owners: Mapping[str, int], article_id: int, keys: Sequence[str]
) -> tuple[int, str] | None:
    """(owner, key) of the first of ``keys`` that another article owns, if any."""
    for key in keys:
        owner = owners.get(key)
        if owner is not None and owner != article_id:
            return owner, key
    return None


def root_of(session: Session, article_id: int) -> int:
    """Follow ``duplicate_of`` to the original (bounded: chains are short by construction)."""
    current = article_id
    for _ in range(16):
        parent = session.scalar(select(col(Article.duplicate_of)).where(col(Article.id) == current))
        if parent is None or parent == current:
            return current
        current = int(parent)
    return current


def story_of(session: Session, article_id: int) -> int:
    story = session.scalar(select(col(Article.story_id)).where(col(Article.id) == article_id))
    return int(story) if story is not None else article_id


def by_url_key(session: Session, url_key: str) -> Article | None:
    return session.scalars(
        select(Article)
        .where(or_(col(Article.url_key) == url_key, col(Article.canonical_key) == url_key))
        .order_by(col(Article.id))
    ).first()


def list_articles(
    session: Session,
    *,
    since: datetime | None = None,
    feed_id: int | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> Sequence[Article]:
    query = select(Article)
    if since is not None:
        query = query.where(
            or_(
                col(Article.published_at) >= since,
                and_(col(Article.published_at).is_(None), col(Article.discovered_at) >= since),
            )
        )
    if feed_id is not None:
        query = query.where(col(Article.feed_id) == feed_id)
    if status is not None:
        query = query.where(col(Article.status) == status)
    query = query.order_by(col(Article.id))
    if limit:
        query = query.limit(limit)
    return session.scalars(query).all()


def copies_of(session: Session, story_id: int) -> Sequence[Article]:
    return session.scalars(
        select(Article).where(col(Article.story_id) == story_id).order_by(col(Article.id))
    ).all()


def status_counts(session: Session) -> list[tuple[int | None, str, str | None, int]]:
    """(feed_id, status, fail_reason, count) — the reconciliation table behind ``vistka stats``."""
    rows = session.execute(
        select(col(Article.feed_id), col(Article.status), col(Article.fail_reason), func.count())
        .group_by(col(Article.feed_id), col(Article.status), col(Article.fail_reason))
        .order_by(col(Article.feed_id), col(Article.status))
    ).all()
    return [(r[0], str(r[1]), r[2], int(r[3])) for r in rows]


def url_duplicate_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(col(FeedEntry.feed_id), func.count())
        .where(col(FeedEntry.rule) == "url")
        .group_by(col(FeedEntry.feed_id))
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def precedence(article: Article) -> tuple[datetime, int]:
    """Which of two copies is the original: the earlier published, then the earlier discovered."""
    when = article.published_at or article.feed_published_at or article.discovered_at
    return when, int(article.id or 0)


def adopt_story(
    session: Session, new_root: int, old_root: int, rule: str, similarity: float
) -> None:
    """An earlier copy arrived after its story was started: it becomes the story's original."""
    story = story_of(session, old_root)
    session.execute(
        update(Article)
        .where(
            or_(col(Article.story_id) == story, col(Article.id) == old_root),
            col(Article.id) != new_root,
        )
        .values(story_id=new_root, duplicate_of=new_root, updated_at=utcnow())
    )
    update_article(
        session, old_root, status="duplicate", duplicate_rule=rule, similarity=round(similarity, 4)
    )
    update_article(
        session,
        new_root,
        status="stored",
        story_id=new_root,
        duplicate_of=None,
        duplicate_rule=None,
        similarity=None,
    )


def serialise_dedup(session: Session) -> None:
    """Take the dedup decision lock for this transaction (PostgreSQL; SQLite writers are serial).

    Near-duplicate lookups read the band index and then write to it; two copies stored at the same
    moment in READ COMMITTED could each miss the other. The decision takes milliseconds, so one
    transaction-scoped advisory lock is cheap.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7316001)"))


def translation_of(session: Session, article_id: int, url_keys: Sequence[str]) -> int | None:
    """The stored original of another language version named by these URL keys (``hreflang``:
    ``ingest.translation.alternate_keys``)."""
    for key in url_keys:
        other = by_url_key(session, key)
        if other is not None and other.id != article_id and other.status == "stored":
            return root_of(session, int(other.id or 0))
    return None


def story_counts(session: Session) -> dict[str, int]:
    """Stories (distinct story ids), their copies (duplicates) and linked translations."""
    kept = col(Article.status).in_(("stored", "duplicate"))
    stories = session.scalar(select(func.count(func.distinct(Article.story_id))).where(kept))
    copies = session.scalar(
        select(func.count()).select_from(Article).where(col(Article.status) == "duplicate")
    )
    translations = session.scalar(
        select(func.count()).select_from(Article).where(col(Article.translation_of).is_not(None))
    )
    return {
        "stories": int(stories or 0),
        "copies": int(copies or 0),
        "translations": int(translations or 0),
    }
