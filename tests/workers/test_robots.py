"""robots.txt through the real fetch step: rules, caching per host, and what 4xx/5xx mean.

Each case runs embedded (per-process cache) and with Redis (shared cache), against the loopback
server, whose request log says exactly what was asked for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.hostile import Pipeline, fetch_transient, item, make_settings, rss, xml_reply
from tests.support.server import LoopbackServer, Reply
from tests.support.services import redis_url
from workers.robots_cache import UNREACHABLE_TTL, CopiedStore, RedisStore

pytestmark = pytest.mark.integration

PAGE = b"<html><head><title>t</title></head><body><p>Text of the page.</p></body></html>"


@pytest.fixture(params=["embedded", "redis"])
def new_pipe(
    request: pytest.FixtureRequest, tmp_path: Path, http_server: LoopbackServer
) -> Callable[..., Pipeline]:
    broker = redis_url() if request.param == "redis" else None

    def make(**overrides: Any) -> Pipeline:
        kwargs: dict[str, Any] = {"host_rate": 100.0, "host_burst": 100}
        if broker:
            kwargs["broker_url"] = broker
        kwargs.update(overrides)
        return Pipeline(make_settings(tmp_path / "data", **kwargs), http_server)

    return make


def serve(pipe: Pipeline, robots: Reply | None, *paths: str) -> list[int]:
    """Serve pages at ``paths`` and a feed linking them; poll it; the new article ids in order."""
    if robots is not None:
        pipe.server.routes["/robots.txt"] = robots
    for path in paths:
        pipe.server.routes[path] = Reply(200, {"Content-Type": "text/html"}, PAGE)
    pipe.server.routes["/feed.xml"] = xml_reply(rss([item(p, p) for p in paths]))
    return list(pipe.poll(pipe.add_feed("/feed.xml")).new_article_ids)


def robots_txt(text: str) -> Reply:
    return Reply(200, {"Content-Type": "text/plain"}, text.encode())


def test_disallowed_page_fails_without_a_request(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe()
    rules = robots_txt("User-agent: *\nDisallow: /private/\n")
    private, public, other = serve(pipe, rules, "/private/a", "/news/b", "/news/c")

    assert fetch_transient(pipe.settings, private) is None
    art = pipe.article(private)
    assert art.status == "failed" and (art.fail_reason or "").startswith("robots_disallowed")
    assert pipe.server.hits("/private/a") == 0

    for aid in (public, other):
        assert fetch_transient(pipe.settings, aid) is None
        assert pipe.article(aid).status == "fetched"
    assert pipe.server.hits("/robots.txt") == 1  # once per host, for all three articles


def test_group_for_our_product_token_applies(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe()
    rules = robots_txt("User-agent: vistka\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    (aid,) = serve(pipe, rules, "/a")
    fetch_transient(pipe.settings, aid)
    assert pipe.article(aid).status == "failed" and pipe.server.hits("/a") == 0


def test_robots_404_allows_everything(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe()
    a, b = serve(pipe, None, "/a", "/b")  # the server answers 404 for /robots.txt
    for aid in (a, b):
        assert fetch_transient(pipe.settings, aid) is None
        assert pipe.article(aid).status == "fetched"
    assert pipe.server.hits("/robots.txt") == 1


def test_robots_500_retries_the_article_later(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe()
    a, b = serve(pipe, Reply(500, {}, b"oops"), "/a", "/b")
    for aid in (a, b):
        err = fetch_transient(pipe.settings, aid)
        assert err is not None and err.reason == "robots_unavailable"
        assert 0 < err.countdown <= UNREACHABLE_TTL
        art = pipe.article(aid)
        assert (art.status, art.lease_until) == ("discovered", None)
    assert pipe.server.hits("/a") == pipe.server.hits("/b") == 0
    assert pipe.server.hits("/robots.txt") == 1  # the failure is remembered for a while


def test_crawl_delay_lowers_the_host_rate(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe()
    a, b = serve(pipe, robots_txt("User-agent: *\nCrawl-delay: 5\n"), "/a", "/b")
    assert fetch_transient(pipe.settings, a) is None
    err = fetch_transient(pipe.settings, b)
    assert err is not None and err.reason == "host_rate" and 4.0 < err.countdown <= 6.0
    assert pipe.server.hits("/b") == 0


def test_robots_can_be_switched_off(tmp_path: Path, http_server: LoopbackServer) -> None:
    settings = make_settings(tmp_path / "data", respect_robots=False, host_rate=100.0)
    pipe = Pipeline(settings, http_server)
    (aid,) = serve(pipe, robots_txt("User-agent: *\nDisallow: /\n"), "/a")
    assert fetch_transient(pipe.settings, aid) is None
    assert pipe.article(aid).status == "fetched"
    assert http_server.hits("/robots.txt") == 0


def test_a_workers_copy_of_a_shared_entry_lasts_its_copy_time_and_never_past_the_entry() -> None:
    client = redis.Redis.from_url(redis_url())
    shared = RedisStore(client, prefix="robots-test")
    one, other = CopiedStore(shared, copy_ttl=0.5), CopiedStore(shared, copy_ttl=0.5)
    one.put("https://a.example/robots.txt", "rules", "User-agent: *\nDisallow: /x\n", 3600)
    other.get("https://a.example/robots.txt")  # the other worker copies it
    shared.put("https://a.example/robots.txt", "rules", "User-agent: *\nDisallow: /y\n", 3600)

    copied = other.get("https://a.example/robots.txt")
    assert copied is not None and "/x" in copied.text  # answered without asking Redis
    time.sleep(0.6)
    fresh = other.get("https://a.example/robots.txt")
    assert fresh is not None and "/y" in fresh.text  # the copy lapsed: read from Redis again

    one.put("https://b.example/robots.txt", "unreachable", "", 0.2)
    assert one.get("https://b.example/robots.txt") is not None
    time.sleep(0.3)
    assert one.get("https://b.example/robots.txt") is None  # gone with the entry, not the copy
    client.close()
