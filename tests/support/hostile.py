"""Driving the pipeline steps against hostile input: one database per test, feeds and pages.

``Pipeline`` runs the same step functions the Celery tasks run (dispatch, poll, fetch, extract)
in-process, against a real database and the loopback server, and reads back the rows they wrote.
The builders make the documents: RSS, article pages, bombs, drips.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select

from storage.db import session_scope
from storage.feeds import add_feed
from storage.migrate import upgrade
from storage.models import Article, Feed
from tests.support.server import LoopbackServer, Reply
from tests.support.services import postgres_database
from workers.extracting import Stored, extract
from workers.fetching import fetch
from workers.http_client import TransientError
from workers.polling import PollResult, dispatch, poll
from workers.settings import Settings


def make_settings(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings for one test (loopback allowed), with its database migrated to head."""
    data_dir.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {
        "data_dir": data_dir,
        "allowed_networks": ("127.0.0.0/8",),
        # Every loopback test site is one host: politeness has its own tests.
        "host_rate": 1000.0,
        "host_burst": 1000,
        "host_concurrency": 100,
    }
    if database_url is not None:
        kwargs["database_url"] = database_url
    kwargs.update(overrides)
    settings = Settings(_env_file=None, **kwargs)  # type: ignore[call-arg]
    upgrade(settings.database)
    return settings


@dataclass
class Pipeline:
    settings: Settings
    server: LoopbackServer

    def add_feed(self, path: str) -> int:
        with session_scope(self.settings.database) as s:
            feed, _ = add_feed(s, self.server.url(path), interval=self.settings.default_interval)
            assert feed.id is not None
            return feed.id

    def poll_all(self) -> dict[int, PollResult]:
        """One dispatch (every enabled feed, due or not) and one poll per claim."""
        return {c.feed_id: poll(self.settings, c) for c in dispatch(self.settings, force=True)}

    def poll(self, feed_id: int) -> PollResult:
        results = self.poll_all()
        assert feed_id in results, f"feed {feed_id} was not dispatched (disabled?)"
        return results[feed_id]

    def feed(self, feed_id: int) -> Feed:
        with session_scope(self.settings.database) as s:
            feed = s.get(Feed, feed_id)
            assert feed is not None
            return feed

    def articles(self) -> list[Article]:
        with session_scope(self.settings.database) as s:
            return list(s.scalars(select(Article).order_by(Article.id)).all())  # type: ignore[arg-type]

    def article(self, article_id: int) -> Article:
        with session_scope(self.settings.database) as s:
            art = s.get(Article, article_id)
            assert art is not None
            return art

    def process(self, article_id: int) -> Stored | None:
        """Fetch then (when the page was kept) extract; None when fetching ended the article."""
        if not fetch(self.settings, article_id):
            return None
        return extract(self.settings, article_id)

    def page_article(self, page_path: str, feed_path: str = "/feed.xml") -> int:
        """Serve a one-item feed linking to ``page_path``, poll it; the new article's id."""
        self.server.routes[feed_path] = xml_reply(rss([item("Hostile page", page_path)]))
        fid = self.add_feed(feed_path)
        result = self.poll(fid)
        assert result.outcome == "ok", result
        assert len(result.new_article_ids) == 1, result
        return result.new_article_ids[0]


def fetch_transient(settings: Settings, article_id: int) -> TransientError | None:
    try:
        fetch(settings, article_id)
    except TransientError as err:
        return err
    return None


# --- documents ------------------------------------------------------------------------------


def item(title: str, link: str, guid: str | None = None, description: str = "") -> str:
    guid_xml = f"<guid isPermaLink='false'>{escape(guid)}</guid>" if guid else ""
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>{guid_xml}"
        f"<description>{escape(description)}</description></item>"
    )


def rss(
    items: list[str], *, title: str = "Hostile feed", encoding: str | None = "utf-8", base: str = ""
) -> str:
    """An RSS 2.0 document; relative item links resolve against the URL it is served at."""
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if encoding else ""
    return (
        f'{decl}<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>{escape(base or 'http://127.0.0.1/')}</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def xml_reply(
    text: str | bytes, content_type: str = "application/rss+xml; charset=utf-8", status: int = 200
) -> Reply:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Reply(status, {"Content-Type": content_type}, body)


def article_html(title: str, paragraphs: list[str], charset: str = "utf-8") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html><head><meta charset="{charset}"><title>{escape(title)}</title>'
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{escape(title)}</h1>"
        f"{body}</article><footer>Footer</footer></body></html>"
    )


def gzip_bomb(decoded_size: int) -> bytes:
    """gzip of ``decoded_size`` zero bytes (about a thousandth of that on the wire)."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    parts = [out.compress(block) for _ in range(decoded_size >> 20)]
    parts.append(out.flush())
    return b"".join(parts)


def drip(payload: bytes, every: float = 1.0) -> Iterator[bytes]:
    """A chunked body sent one byte per ``every`` seconds."""
    for i in range(len(payload)):
        yield payload[i : i + 1]
        time.sleep(every)


def chunks_of(total: int, head: bytes, filler: bytes) -> Iterator[bytes]:
    """``head``, then ``filler`` repeated until ``total`` bytes are sent (no Content-Length)."""
    yield head
    sent = len(head)
    while sent < total:
        yield filler
        sent += len(filler)


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for the embedded SQLite default, else a fresh PostgreSQL database's URL."""
    if kind == "sqlite":
        yield None
        return
    with postgres_database() as url:
        yield url
