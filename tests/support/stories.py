"""A loopback site of distinct stories in one RSS feed, and the article rows they become."""

from __future__ import annotations

import random

from sqlalchemy import select

from storage.articles import PENDING
from storage.db import session_scope
from storage.models import Article
from tests.support.backends import Backend
from tests.support.hostile import item, rss, xml_reply
from tests.support.server import LoopbackServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
_TOPICS = (
    "harbour council budget river bridge school tram station library museum theatre market",
    "factory railway airport hospital stadium garden festival archive forest village mayor",
    "engineer teacher farmer doctor pilot miner sailor painter baker judge soldier student",
    "winter summer autumn spring morning evening storm flood drought harvest vaccine",
    "election treaty ceasefire pipeline reservoir turbine satellite telescope volcano glacier",
)
WORDS = [word for line in _TOPICS for word in line.split()]


def dated_page(title: str, published: str, paragraphs: list[str]) -> bytes:
    """An English article page declaring its title and publication time."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}"></head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    ).encode()


def story(n: int) -> bytes:
    """A page of its own words: no two stories are near-copies of each other."""
    rng = random.Random(n)
    paragraphs = [" ".join(rng.sample(WORDS, 30)).capitalize() + "." for _ in range(4)]
    return dated_page(f"Story {n}", f"2026-01-03T{n % 24:02d}:00:00+00:00", paragraphs)


def publish(server: LoopbackServer, count: int) -> list[str]:
    paths = [f"/news/{n}.html" for n in range(count)]
    for n, path in enumerate(paths):
        server.routes[path] = Reply(200, HTML, story(n))
    items = [item(f"Story {n}", server.url(p), guid=f"g{n}") for n, p in enumerate(paths)]
    server.routes["/rss.xml"] = xml_reply(rss(items, title="News", base=server.base))
    return paths


def hits(server: LoopbackServer, path: str) -> int:
    return sum(1 for r in server.requests if r.path == path)


def articles(b: Backend) -> list[Article]:
    with session_scope(b.database_url) as s:
        return list(s.scalars(select(Article)))


def settled(b: Backend, count: int) -> bool:
    rows = articles(b)
    return len(rows) == count and all(a.status not in PENDING for a in rows)
