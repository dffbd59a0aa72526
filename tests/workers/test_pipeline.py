"""The whole pipeline in a real ``vistka worker --beat`` process, on both backends: a loopback news
site whose feeds carry every kind of copy vistka must recognise (URL with tracking parameters in a
second feed, a known GUID with a changed link, the same text at another address, a page whose
canonical link names a stored article) and a missing page; then a forced re-poll of unchanged
feeds that is answered 304 and adds nothing."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import select

from storage.articles import PENDING
from storage.db import session_scope
from storage.models import Article, Feed, FeedEntry
from tests.support.backends import Backend, wait_until, worker_process
from tests.support.server import LoopbackServer, Reply, Request
from workers import polling
from workers.app import create_app
from workers.settings import Settings

pytestmark = pytest.mark.integration

HTML = {"Content-Type": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Story:
    path: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]
    lang: str
    canonical: str | None = None


def _at(hour: int) -> datetime:
    return datetime(2026, 1, 3, hour, 0, tzinfo=UTC)


METRO = Story(
    "/news/metro.html",
    "У Києві відкрили нову станцію метро на Виноградарі",
    _at(7),
    (
        "У Києві після тривалої перерви відкрили нову станцію метро на Виноградарі. Перші "
        "пасажири проїхали нею сьогодні о шостій ранку.",
        "Будівництво лінії тривало майже десять років і неодноразово зупинялося через брак "
        "коштів. Міська влада обіцяє, що наступну станцію добудують за два роки.",
        "Мешканці району кажуть, що дорога до центру тепер займає двадцять хвилин замість "
        "години в переповнених маршрутках.",
    ),
    "uk",
)
BRIDGE = Story(
    "/news/bridge.html",
    "Міст через Дніпро в Запоріжжі закриють на ремонт",
    _at(8),
    (
        "Один із мостів через Дніпро в Запоріжжі закриють на капітальний ремонт із понеділка. "
        "Рух транспорту перенаправлять на сусідні переправи.",
        "У міській раді пояснили, що опори мосту потребують термінового підсилення, а покриття "
        "не оновлювали понад тридцять років.",
    ),
    "uk",
)
HARVEST = Story(
    "/news/harvest.html",
    "Аграрии Херсонщины собрали первый урожай после разминирования",
    _at(9),
    (
        "Аграрии Херсонской области собрали первый урожай пшеницы на полях, которые весной "
        "очистили от мин. Урожайность оказалась выше ожиданий.",
        "Фермеры рассказали, что разминирование одного гектара обходится дороже, чем его "
        "годовая аренда, но без этого работать на земле невозможно.",
        "Часть зерна уже продали на экспорт через черноморские порты.",
    ),
    "ru",
)
HARVEST_COPY = Story(
    "/partners/harvest-reprint.html",
    HARVEST.title,
    _at(12),
    HARVEST.paragraphs,
    "ru",
)
METRO_EN = Story(
    "/en/metro.html",
    "Kyiv opens a new metro station in Vynohradar",
    _at(11),
    (
        "Kyiv has opened a new metro station in the Vynohradar district after years of delays. "
        "The first passengers rode the line at six in the morning.",
        "Residents say the trip to the city centre now takes twenty minutes instead of an hour "
        "in crowded minibuses, and the city promises the next station within two years.",
    ),
    "en",
    canonical=METRO.path,
)
MISSING = Story("/news/deleted.html", "Новину видалено", _at(10), (), "uk")
LATER = Story(
    "/news/library.html",
    "Lviv library puts old newspapers online",
    _at(13),
    (
        "The national library in Lviv has finished digitising its collection of "
        "nineteenth-century newspapers, putting more than forty thousand pages online.",
        "Librarians said volunteers checked every scanned page by hand before it was published "
        "in the public catalogue.",
    ),
    "en",
)
FIRST_EDITION = (METRO, BRIDGE, HARVEST, MISSING, METRO_EN, HARVEST_COPY)
BRIDGE_MOVED = "/news/bridge-updated.html"


def render_page(base: str, story: Story) -> bytes:
    canonical = f'<link rel="canonical" href="{base}{story.canonical}">' if story.canonical else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    return (
        f'<!doctype html><html lang="{story.lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(story.title)}</title>{canonical}"
        f'<meta property="article:published_time" content="{story.published.isoformat()}">'
        f"</head><body><article><h1>{html.escape(story.title)}</h1>{body}</article>"
        "</body></html>"
    ).encode()


def render_feed(base: str, title: str, items: list[tuple[str, str, str, datetime]]) -> bytes:
    """RSS 2.0 from (guid, link path, title, published) items."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(base + link)}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>{format_datetime(when)}</pubDate></item>'
        for guid, link, t, when in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>{base}/</link>{entries}</channel></rss>"
    ).encode()


@dataclass
class ConditionalFeed:
    """A feed route with an ETag that answers 304 to a matching If-None-Match."""

    body: bytes = b""
    answers: list[tuple[int, bool]] = field(default_factory=list)

    def __call__(self, request: Request) -> Reply:
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'
        conditional = "if-none-match" in request.headers
        status = 304 if request.headers.get("if-none-match") == etag else 200
        self.answers.append((status, conditional))
        headers = {"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"}
        return Reply(status, headers, self.body if status == 200 else b"")


@dataclass
class NewsSite:
    server: LoopbackServer
    agency: ConditionalFeed = field(default_factory=ConditionalFeed)
    aggregator: ConditionalFeed = field(default_factory=ConditionalFeed)

    def publish(self, *, second_edition: bool = False) -> None:
        base = self.server.base
        for story in (*FIRST_EDITION, LATER):
            if story is not MISSING:
                self.server.routes[story.path] = Reply(200, HTML, render_page(base, story))
        self.server.routes[BRIDGE_MOVED] = Reply(200, HTML, render_page(base, BRIDGE))
        items = [(f"agency-{s.path}", s.path, s.title, s.published) for s in FIRST_EDITION]
        if second_edition:
            # The bridge item keeps its GUID but now links elsewhere; one item is new.
            items = [
                (guid, BRIDGE_MOVED if link == BRIDGE.path else link, t, when)
                for guid, link, t, when in items
            ]
            items.append((f"agency-{LATER.path}", LATER.path, LATER.title, LATER.published))
        self.agency.body = render_feed(base, "Агентство новин", items)
        tracked = METRO.path + "?utm_source=aggregator&utm_medium=rss&utm_campaign=kyiv"
        self.aggregator.body = render_feed(
            base, "Агрегатор", [("aggr-1", tracked, METRO.title, METRO.published)]
        )
        self.server.routes["/agency/rss.xml"] = self.agency
        self.server.routes["/aggregator/rss.xml"] = self.aggregator

    def page_hits(self, path: str) -> int:
        return sum(1 for r in self.server.requests if r.path.split("?")[0] == path)


@dataclass(frozen=True)
class State:
    feeds: dict[str, Feed]
    articles: dict[str, Article]
    entries: list[FeedEntry]


def read_state(b: Backend, base: str) -> State:
    with session_scope(b.database_url) as s:
        feeds = {f.url.removeprefix(base): f for f in s.scalars(select(Feed))}
        articles = {a.url.removeprefix(base): a for a in s.scalars(select(Article))}
        entries = list(s.scalars(select(FeedEntry).order_by(FeedEntry.id)))  # type: ignore[arg-type]
    return State(feeds, articles, entries)


def settled(b: Backend, base: str, articles: int, polls: dict[str, int]) -> bool:
    """Every feed polled as often as expected and released; no article step left pending."""
    state = read_state(b, base)
    return (
        len(state.articles) == articles
        and all(a.status not in PENDING for a in state.articles.values())
        and all(
            path in state.feeds
            and state.feeds[path].polls == n
            and state.feeds[path].lease_token is None
            for path, n in polls.items()
        )
    )


def settings_of(b: Backend) -> Settings:
    """The settings the worker runs with, for this test process."""
    values: dict[str, Any] = {
        "data_dir": b.data_dir,
        "database_url": b.env.get("VISTKA_DATABASE_URL"),
        "broker_url": b.env.get("VISTKA_BROKER_URL"),
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def force_poll(b: Backend) -> list[int]:
    """Lease every feed now, due or not, and queue its poll to the running worker."""
    settings = settings_of(b)
    claims = polling.dispatch(settings, force=True)
    app = create_app(settings)
    try:
        for claim in claims:
            app.send_task("vistka.poll_feed", (claim.feed_id, claim.token))
    finally:
        app.close()
    return [c.feed_id for c in claims]


def test_pipeline_stores_each_story_once_and_recognises_every_kind_of_copy(
    env: Backend, http_server: LoopbackServer
) -> None:
    site = NewsSite(http_server)
    site.publish()
    base = http_server.base
    agency, aggregator = "/agency/rss.xml", "/aggregator/rss.xml"
    env.cli("feeds", "add", http_server.url(agency), "--language", "uk")

    with worker_process(env, "--beat"):
        # 1. The agency's feed: every page fetched once, copies recognised.
        wait_until(lambda: settled(env, base, 6, {agency: 1}), timeout=120)
        first = read_state(env, base)
        arts = first.articles
        metro, harvest = arts[METRO.path], arts[HARVEST.path]
        assert (metro.status, arts[BRIDGE.path].status, harvest.status) == ("stored",) * 3
        assert metro.text and "Виноградарі" in metro.text

        reprint = arts[HARVEST_COPY.path]
        assert (reprint.status, reprint.duplicate_rule) == ("duplicate", "text")
        assert reprint.duplicate_of == harvest.id
        assert reprint.story_id == harvest.story_id == harvest.id

        translation = arts[METRO_EN.path]
        assert (translation.status, translation.duplicate_rule) == ("duplicate", "canonical")
        assert translation.duplicate_of == metro.id
        assert translation.story_id == metro.id

        missing = arts[MISSING.path]
        assert missing.status == "failed"
        assert (missing.fail_reason or "").startswith("http_404"), missing.fail_reason

        assert first.feeds[agency].entries_seen == 6
        assert first.feeds[agency].last_status == 200
        assert {e.rule for e in first.entries} == {"new"}

        # 2. A second feed links the same story with tracking parameters, and the agency's next
        #    edition moves one item's link under the same GUID and adds one new item.
        site.publish(second_edition=True)
        assert force_poll(env) == [first.feeds[agency].id]
        env.cli("feeds", "add", http_server.url(aggregator))
        wait_until(lambda: settled(env, base, 7, {agency: 2, aggregator: 1}), timeout=90)
        second = read_state(env, base)

        assert len(second.articles) == 7
        assert second.articles[LATER.path].status == "stored"
        assert BRIDGE_MOVED not in second.articles
        assert site.page_hits(BRIDGE_MOVED) == 0

        metro_id = second.articles[METRO.path].id
        aggregator_id = second.feeds[aggregator].id
        (linked,) = [e for e in second.entries if e.feed_id == aggregator_id]
        assert (linked.rule, linked.article_id) == ("url", metro_id)
        assert [e.rule for e in second.entries if e.article_id == metro_id] == ["new", "url"]
        assert second.articles[METRO.path].feed_id == second.feeds[agency].id
        assert second.feeds[aggregator].entries_seen == 1
        assert second.feeds[agency].entries_seen == 7
        assert len(second.entries) == 8

        for story in (*FIRST_EDITION, LATER):
            assert site.page_hits(story.path) == 1, (story.path, site.page_hits(story.path))

        # 3. Polling both unchanged feeds again: answered 304, nothing new anywhere.
        requests_before = len(http_server.requests)
        polled = set(force_poll(env))
        assert polled == {second.feeds[agency].id, second.feeds[aggregator].id}
        wait_until(lambda: settled(env, base, 7, {agency: 3, aggregator: 2}), timeout=60)
        third = read_state(env, base)

    assert site.agency.answers[-1] == (304, True)
    assert site.aggregator.answers[-1] == (304, True)
    assert third.feeds[agency].last_status == 304
    assert third.feeds[aggregator].last_status == 304
    again = http_server.requests[requests_before:]
    assert sorted(r.path for r in again) == sorted([agency, aggregator])
    assert len(third.entries) == len(second.entries)
    assert {p: (a.status, a.story_id) for p, a in third.articles.items()} == {
        p: (a.status, a.story_id) for p, a in second.articles.items()
    }
    assert third.feeds[agency].entries_seen == 7
