"""The tables: the contract other systems read (documented column by column in docs/schema.md).

Every table has a natural unique key so that every write can be an upsert, and the state of every
unit of work (a feed's next poll, an article's step) lives here, not only in the broker.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow

ARTICLE_STATES = ("discovered", "fetched", "stored", "duplicate", "failed")


def _ts(nullable: bool = True, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Feed(SQLModel, table=True):
    __tablename__ = "feed"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    # The URL's host (``ingest.urls.host_of``): the dispatcher caps how many feeds of one host
    # a single claim takes. Null (rows not written by ``add_feed``) counts as a host of its own.
    host: str | None = Field(default=None, sa_column=Column(String(255)))
    title: str | None = Field(default=None, sa_column=Column(Text))
    language: str | None = Field(default=None, sa_column=Column(String(16)))
    site_url: str | None = Field(default=None, sa_column=Column(Text))
    enabled: bool = Field(default=True, nullable=False)
    interval_seconds: int = Field(default=900, nullable=False)
    current_interval_seconds: int = Field(default=900, nullable=False)
    etag: str | None = Field(default=None, sa_column=Column(Text))
    last_modified: str | None = Field(default=None, sa_column=Column(Text))
    body_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    polls: int = Field(default=0, nullable=False)
    next_poll_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False, index=True))
    lease_until: datetime | None = Field(default=None, sa_column=_ts())
    lease_token: str | None = Field(default=None, sa_column=Column(String(36)))
    last_polled_at: datetime | None = Field(default=None, sa_column=_ts())
    last_success_at: datetime | None = Field(default=None, sa_column=_ts())
    last_status: int | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_kind: str | None = Field(default=None, sa_column=Column(String(16)))
    last_error_at: datetime | None = Field(default=None, sa_column=_ts())
    consecutive_failures: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    disabled_reason: str | None = Field(default=None, sa_column=Column(Text))
    parse_problem: str | None = Field(default=None, sa_column=Column(Text))
    entries_seen: int = Field(default=0, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class FeedEntry(SQLModel, table=True):
    """One item of one feed (by GUID, else URL): how the feed GUID rule is enforced."""

    __tablename__ = "feed_entry"
    __table_args__ = (UniqueConstraint("feed_id", "entry_key", name="uq_feed_entry_key"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(
        sa_column=Column(Integer, ForeignKey("feed.id", ondelete="CASCADE"), nullable=False)
    )
    entry_key: str = Field(sa_column=Column(String(64), nullable=False))
    guid: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, sa_column=Column(Text))
    article_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"), index=True),
    )
    rule: str = Field(default="new", sa_column=Column(String(16), nullable=False))
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class Article(SQLModel, table=True):
    __tablename__ = "article"
    __table_args__ = (Index("ix_article_status_updated", "status", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    url_key: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    host: str = Field(sa_column=Column(String(255), nullable=False, index=True))
    feed_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("feed.id", ondelete="SET NULL"), index=True),
    )
    guid: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="discovered", sa_column=Column(String(16), nullable=False))
    fail_reason: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = Field(default=0, nullable=False)
    lease_until: datetime | None = Field(default=None, sa_column=_ts())

    feed_title: str | None = Field(default=None, sa_column=Column(Text))
    feed_summary: str | None = Field(default=None, sa_column=Column(Text))
    feed_published_at: datetime | None = Field(default=None, sa_column=_ts())

    final_url: str | None = Field(default=None, sa_column=Column(Text))
    http_status: int | None = Field(default=None)
    fetched_at: datetime | None = Field(default=None, sa_column=_ts())
    raw_html: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    raw_sha256: str | None = Field(default=None, sa_column=Column(String(64)))
    content_type: str | None = Field(default=None, sa_column=Column(Text))

    canonical_url: str | None = Field(default=None, sa_column=Column(Text))
    canonical_key: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    title: str | None = Field(default=None, sa_column=Column(Text))
    text: str | None = Field(default=None, sa_column=Column(Text))
    description: str | None = Field(default=None, sa_column=Column(Text))
    author: str | None = Field(default=None, sa_column=Column(Text))
    published_at: datetime | None = Field(default=None, sa_column=_ts(index=True))
    language: str | None = Field(default=None, sa_column=Column(String(16)))
    tags: str | None = Field(default=None, sa_column=Column(Text))
    image: str | None = Field(default=None, sa_column=Column(Text))
    extractor: str | None = Field(default=None, sa_column=Column(String(64)))
    extractor_version: str | None = Field(default=None, sa_column=Column(String(64)))
    content_hash: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    signature: bytes | None = Field(default=None, sa_column=Column(LargeBinary))

    duplicate_of: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"), index=True),
    )
    duplicate_rule: str | None = Field(default=None, sa_column=Column(String(16)))
    similarity: float | None = Field(default=None, sa_column=Column(Float))
    story_id: int | None = Field(default=None, sa_column=Column(Integer, index=True))
    alternates: str | None = Field(default=None, sa_column=Column(Text))
    translation_of: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"))
    )

    discovered_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    stored_at: datetime | None = Field(default=None, sa_column=_ts())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class ArticleKey(SQLModel, table=True):
    """Exact-duplicate keys (canonical URL, text hash): the first article to insert a key owns it.

    A primary key decides the original atomically, so two workers storing copies at the same time
    cannot both believe they hold the original.
    """

    __tablename__ = "article_key"

    key: str = Field(sa_column=Column(String(80), primary_key=True))
    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), nullable=False)
    )


class HostPage(SQLModel, table=True):
    """Which pages of a host fed the boilerplate statistics (each page counts once)."""

    __tablename__ = "host_page"

    host: str = Field(sa_column=Column(String(255), primary_key=True))
    url_key: str = Field(sa_column=Column(String(64), primary_key=True))


class HostLine(SQLModel, table=True):
    """How many pages of a host carried a line: recurring lines are that host's boilerplate."""

    __tablename__ = "host_line"

    host: str = Field(sa_column=Column(String(255), primary_key=True))
    fingerprint: str = Field(sa_column=Column(String(64), primary_key=True))
    pages: int = Field(default=0, nullable=False)


class ArticleBand(SQLModel, table=True):
    """LSH band keys of stored articles: a near-duplicate lookup reads only matching buckets."""

    __tablename__ = "article_band"

    band_key: str = Field(sa_column=Column(String(64), primary_key=True))
    article_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("article.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class Event(SQLModel, table=True):
    """An announced event, merged across the articles that announce it."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    starts_on: date = Field(nullable=False, index=True)
    ends_on: date = Field(nullable=False)
    location: str | None = Field(default=None, sa_column=Column(Text))
    what: str = Field(sa_column=Column(Text, nullable=False))
    terms: str = Field(default="", sa_column=Column(Text, nullable=False))
    language: str | None = Field(default=None, sa_column=Column(String(16)))
    status: str = Field(default="upcoming", sa_column=Column(String(16), nullable=False))
    precise: bool = Field(default=True, nullable=False)
    postponed: bool = Field(default=False, nullable=False)
    cancelled: bool = Field(default=False, nullable=False)
    previous_starts_on: date | None = Field(default=None)
    previous_ends_on: date | None = Field(default=None)
    covered_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("article.id", ondelete="SET NULL"))
    )
    confidence: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class FollowUpRow(SQLModel, table=True):
    """One announcement found in one article (the evidence behind an event)."""

    __tablename__ = "follow_up"
    __table_args__ = (UniqueConstraint("article_id", "starts_on", "ends_on", name="uq_follow_up"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(
        sa_column=Column(Integer, ForeignKey("article.id", ondelete="CASCADE"), nullable=False)
    )
    event_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("event.id", ondelete="SET NULL"), index=True),
    )
    starts_on: date = Field(nullable=False)
    ends_on: date = Field(nullable=False)
    location: str | None = Field(default=None, sa_column=Column(Text))
    what: str = Field(sa_column=Column(Text, nullable=False))
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    confidence: float = Field(default=0.0, sa_column=Column(Float, nullable=False))
    change: str | None = Field(default=None, sa_column=Column(String(16)))
    precise: bool = Field(default=True, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))


class ServiceState(SQLModel, table=True):
    """Small key/value facts about the running service (dispatcher heartbeat, last report)."""

    __tablename__ = "service_state"

    key: str = Field(sa_column=Column(String(64), primary_key=True))
    value: str = Field(default="", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts(False))
