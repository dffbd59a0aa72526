"""Hostile or broken feeds through the real poll step: every one ends with a reason on the feed row.

Each test serves the bad input from the loopback server, polls it with ``workers.polling.poll``
(the code the Celery task runs) and reads the feed row back: ``last_error`` and its kind, the
weighted failure count, the next poll time, and whether the feed was disabled and why.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.feeds import MAX_ENTRIES
from storage.types import utcnow
from tests.support.hostile import (
    Pipeline,
    chunks_of,
    drip,
    gzip_bomb,
    item,
    rss,
    xml_reply,
)
from tests.support.server import Reply

pytestmark = pytest.mark.integration

MB = 1024 * 1024


def good_feed(n: int = 2, prefix: str = "/a") -> str:
    return rss([item(f"Story {i}", f"{prefix}/{i}") for i in range(n)])


def assert_failed(pipe: Pipeline, fid: int, reason: str, kind: str, weight: float) -> Any:
    """The feed row carries the reason, kind and weighted count; it is scheduled, not disabled."""
    before = utcnow()
    result = pipe.poll(fid)
    assert result.outcome == "failed"
    assert result.reason == reason
    feed = pipe.feed(fid)
    assert feed.last_error is not None and feed.last_error.startswith(f"{reason}: ")
    assert feed.last_error_kind == kind
    assert feed.consecutive_failures == pytest.approx(weight)
    assert feed.enabled and feed.disabled_reason is None
    assert feed.next_poll_at >= before + timedelta(seconds=pipe.settings.min_interval)
    assert feed.lease_token is None and feed.lease_until is None
    assert pipe.articles() == []
    return feed


# --- bodies that are no feed ----------------------------------------------------------------


def test_malformed_xml_without_entries(pipe: Pipeline) -> None:
    pipe.server.routes["/f"] = xml_reply('<?xml version="1.0"?><rss><channel><title>x</ti')
    feed = assert_failed(pipe, pipe.add_feed("/f"), "malformed", "hard", 1.0)
    assert feed.last_status == 200


def test_malformed_xml_with_entries_is_recovered_and_noted(pipe: Pipeline) -> None:
    body = good_feed(2).replace("</channel></rss>", "<item><title>broken & </title></channel>")
    pipe.server.routes["/f"] = xml_reply(body)
    fid = pipe.add_feed("/f")
    result = pipe.poll(fid)
    assert result.outcome == "ok" and len(result.new_article_ids) >= 2
    feed = pipe.feed(fid)
    assert feed.last_error is None and feed.consecutive_failures == 0
    assert feed.parse_problem and "recovered from broken XML" in feed.parse_problem


def test_html_page_served_as_a_feed(pipe: Pipeline) -> None:
    page = "<!doctype html><html><head><title>Home</title></head><body><p>hi</p></body></html>"
    pipe.server.routes["/f"] = xml_reply(page, "text/html; charset=utf-8")
    assert_failed(pipe, pipe.add_feed("/f"), "html_not_feed", "hard", 1.0)


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_200(pipe: Pipeline, body: bytes) -> None:
    pipe.server.routes["/f"] = xml_reply(body)
    assert_failed(pipe, pipe.add_feed("/f"), "empty", "hard", 1.0)


def test_feed_without_items_is_polled_and_says_so(pipe: Pipeline) -> None:
    pipe.server.routes["/f"] = xml_reply(rss([]))
    fid = pipe.add_feed("/f")
    assert pipe.poll(fid).outcome == "ok"
    feed = pipe.feed(fid)
    assert feed.parse_problem == "no entries" and feed.last_error is None


# --- statuses -------------------------------------------------------------------------------


def test_404_is_soft_and_backs_off_without_disabling(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(disable_after_failures=3)
    pipe.server.routes["/f"] = Reply(404, {"Content-Type": "text/plain"}, b"no such feed")
    fid = pipe.add_feed("/f")
    waits = []
    for n in range(1, 6):
        feed = assert_failed(pipe, fid, "http_404", "soft", 0.5 * n)
        assert feed.last_status == 404
        waits.append(feed.next_poll_at - feed.last_polled_at)
    # Five 404s weigh 2.5 < 3: still enabled, each wait longer than the one before.
    assert waits == sorted(waits) and waits[-1] > waits[0]


def test_410_disables_at_once_with_the_reason_kept(both: Pipeline) -> None:
    both.server.routes["/f"] = Reply(410, {"Content-Type": "text/plain"}, b"gone")
    fid = both.add_feed("/f")
    result = both.poll(fid)
    assert (result.outcome, result.reason) == ("failed", "http_410")
    feed = both.feed(fid)
    assert not feed.enabled
    assert feed.disabled_reason == "gone (HTTP 410)"
    assert feed.last_error and feed.last_error.startswith("http_410: HTTP 410")
    assert feed.last_error_kind == "hard" and feed.last_status == 410
    assert both.poll_all() == {}  # a disabled feed is never dispatched again
    assert both.server.hits("/f") == 1


def _in_two_hours() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)


@pytest.mark.parametrize("retry_after", ["7200", "date"])
def test_429_retry_after_is_honoured(both: Pipeline, retry_after: str) -> None:
    value = _in_two_hours() if retry_after == "date" else retry_after
    both.server.routes["/f"] = Reply(429, {"Retry-After": value}, b"slow down")
    fid = both.add_feed("/f")
    before = utcnow()
    feed = assert_failed(both, fid, "http_429", "soft", 0.5)
    # An HTTP date has a resolution of one second.
    # An HTTP-date has one-second resolution, so allow two seconds of slack.
    assert feed.next_poll_at >= before + timedelta(seconds=7200 - 2)
    assert feed.next_poll_at <= before + timedelta(seconds=both.settings.max_interval)
    assert feed.last_status == 429


def test_retry_after_beyond_the_longest_interval_is_cut_to_it(pipe: Pipeline) -> None:
    pipe.server.routes["/f"] = Reply(429, {"Retry-After": str(400 * 86400)}, b"")
    fid = pipe.add_feed("/f")
    feed = assert_failed(pipe, fid, "http_429", "soft", 0.5)
    assert feed.next_poll_at <= feed.last_polled_at + timedelta(seconds=pipe.settings.max_interval)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_backoff_grows_over_consecutive_failures(pipe: Pipeline, status: int) -> None:
    pipe.server.routes["/f"] = Reply(status, {"Content-Type": "text/plain"}, b"oops")
    fid = pipe.add_feed("/f")
    waits = []
    for n in range(1, 5):
        feed = assert_failed(pipe, fid, f"http_{status}", "temporary", 0.25 * n)
        waits.append(feed.next_poll_at - feed.last_polled_at)
    # base·2^failures less at most 10% jitter: each step is 19% longer, so strictly increasing.
    assert all(a < b for a, b in itertools.pairwise(waits)), waits
    # A recovery clears the count.
    pipe.server.routes["/f"] = xml_reply(good_feed())
    assert pipe.poll(fid).outcome == "ok"
    feed = pipe.feed(fid)
    assert feed.consecutive_failures == 0 and feed.last_error is None and feed.enabled


def test_sustained_hard_failure_disables_soft_does_not(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(disable_after_failures=3)
    pipe.server.routes["/hard"] = xml_reply("<html><body>login</body></html>", "text/html")
    pipe.server.routes["/soft"] = Reply(404, {}, b"")
    hard, soft = pipe.add_feed("/hard"), pipe.add_feed("/soft")
    for _ in range(2):
        pipe.poll_all()
    assert pipe.feed(hard).enabled and pipe.feed(hard).consecutive_failures == 2
    results = pipe.poll_all()
    assert results[hard].reason == "html_not_feed"
    feed = pipe.feed(hard)
    assert not feed.enabled
    assert feed.disabled_reason == "3 weighted failures: html_not_feed"
    assert feed.last_error and feed.last_error.startswith("html_not_feed: ")
    other = pipe.feed(soft)
    assert other.enabled and other.consecutive_failures == 1.5
    assert set(pipe.poll_all()) == {soft}


# --- redirects ------------------------------------------------------------------------------


def test_redirect_loop(pipe: Pipeline) -> None:
    pipe.server.routes["/a"] = Reply(302, {"Location": "/b"}, b"")
    pipe.server.routes["/b"] = Reply(302, {"Location": "/a"}, b"")
    fid = pipe.add_feed("/a")
    assert_failed(pipe, fid, "too_many_redirects", "soft", 0.5)
    hops = pipe.server.hits("/a") + pipe.server.hits("/b")
    assert hops == pipe.settings.fetch_max_redirects + 1


def test_301_updates_the_stored_feed_url(both: Pipeline) -> None:
    both.server.routes["/old"] = Reply(301, {"Location": "/new"}, b"")
    both.server.routes["/new"] = xml_reply(good_feed(3))
    fid = both.add_feed("/old")
    result = both.poll(fid)
    assert result.outcome == "ok" and len(result.new_article_ids) == 3
    feed = both.feed(fid)
    assert feed.url == both.server.url("/new")
    assert feed.last_error is None
    both.server.routes["/new"] = xml_reply(good_feed(4))
    assert len(both.poll(fid).new_article_ids) == 1
    assert both.server.hits("/old") == 1 and both.server.hits("/new") == 2


def test_302_keeps_the_stored_feed_url(pipe: Pipeline) -> None:
    pipe.server.routes["/old"] = Reply(302, {"Location": "/new"}, b"")
    pipe.server.routes["/new"] = xml_reply(good_feed(1))
    fid = pipe.add_feed("/old")
    assert pipe.poll(fid).outcome == "ok"
    assert pipe.feed(fid).url == pipe.server.url("/old")


@pytest.mark.parametrize(
    ("target", "reason", "kind"),
    [
        ("file:///etc/passwd", "bad_scheme", "hard"),
        ("ftp://127.0.0.1/f.xml", "bad_scheme", "hard"),
        ("javascript:alert(1)", "bad_url", "hard"),
        ("http://[::1", "protocol_error", "temporary"),
    ],
)
def test_redirect_to_a_non_http_target(pipe: Pipeline, target: str, reason: str, kind: str) -> None:
    pipe.server.routes["/f"] = Reply(301, {"Location": target}, b"")
    weight = {"hard": 1.0, "temporary": 0.25}[kind]
    feed = assert_failed(pipe, pipe.add_feed("/f"), reason, kind, weight)
    assert feed.url == pipe.server.url("/f")


# --- size, time and compression -------------------------------------------------------------


def test_20_mb_feed_with_content_length_is_refused(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_max_bytes=MB)
    big = good_feed(1).replace("<description>d</description>", "<!--" + "x" * 20 * MB + "-->")
    pipe.server.routes["/f"] = xml_reply(big)
    started = time.monotonic()
    feed = assert_failed(pipe, pipe.add_feed("/f"), "too_large", "soft", 0.5)
    assert time.monotonic() - started < 5
    assert "exceeds" in (feed.last_error or "")


def test_20_mb_chunked_feed_is_cut_at_the_cap(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_max_bytes=MB)
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    filler = item("Story", "/a/1").encode() * 200
    pipe.server.routes["/f"] = Reply(
        200, {"Content-Type": "application/rss+xml"}, chunks_of(20 * MB, head, filler)
    )
    feed = assert_failed(pipe, pipe.add_feed("/f"), "too_large", "soft", 0.5)
    assert f"{MB} bytes" in (feed.last_error or "")


def test_gzip_bomb_is_capped_on_decoded_size(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(fetch_max_bytes=MB)
    bomb = gzip_bomb(256 * MB)
    assert len(bomb) < MB  # honest on the wire, under the cap
    pipe.server.routes["/f"] = Reply(
        200, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}, bomb
    )
    started = time.monotonic()
    feed = assert_failed(pipe, pipe.add_feed("/f"), "too_large", "soft", 0.5)
    assert "once decoded" in (feed.last_error or "")
    assert time.monotonic() - started < 5


def test_server_dripping_a_byte_a_second_hits_the_deadline(
    new_pipe: Callable[..., Pipeline],
) -> None:
    pipe = new_pipe(fetch_deadline=2)
    pipe.server.routes["/f"] = Reply(
        200, {"Content-Type": "application/rss+xml"}, drip(good_feed().encode())
    )
    started = time.monotonic()
    assert_failed(pipe, pipe.add_feed("/f"), "deadline", "temporary", 0.25)
    assert time.monotonic() - started < 2 + 3


def test_server_that_never_sends_headers_hits_the_deadline(
    new_pipe: Callable[..., Pipeline],
) -> None:
    pipe = new_pipe(fetch_deadline=2, fetch_read_timeout=30)
    pipe.server.routes["/f"] = Reply(200, {}, b"", delay=30)
    fid = pipe.add_feed("/f")
    started = time.monotonic()
    result = pipe.poll(fid)
    assert time.monotonic() - started < 2 + 3
    assert result.outcome == "failed"
    feed = pipe.feed(fid)
    assert feed.last_error_kind == "temporary" and feed.consecutive_failures == 0.25
    assert feed.last_error and feed.last_error.startswith(f"{result.reason}: ")


# --- encodings ------------------------------------------------------------------------------

UK_TITLE = "Київ: відключення світла скасовано"
RU_TITLE = "Москва: движение перекрыто до вечера"


def _titles(pipe: Pipeline) -> set[str | None]:
    return {a.feed_title for a in pipe.articles()}


def test_windows_1251_bytes_declared_as_utf8(both: Pipeline) -> None:
    doc = rss(
        [item(UK_TITLE, "/a/1", description="Світло повернуть о 18:00."), item(RU_TITLE, "/a/2")],
        title="Новини",
    )
    both.server.routes["/f"] = xml_reply(doc.encode("cp1251"), "text/xml; charset=utf-8")
    fid = both.add_feed("/f")
    assert both.poll(fid).outcome == "ok"
    assert _titles(both) == {UK_TITLE, RU_TITLE}
    assert {a.feed_summary for a in both.articles()} >= {"Світло повернуть о 18:00."}
    feed = both.feed(fid)
    assert feed.title == "Новини"
    assert feed.parse_problem and "cp1251" in feed.parse_problem


def test_utf8_bytes_declared_as_windows_1251(pipe: Pipeline) -> None:
    doc = rss([item(UK_TITLE, "/a/1"), item(RU_TITLE, "/a/2")], encoding="windows-1251")
    pipe.server.routes["/f"] = xml_reply(doc.encode("utf-8"), "text/xml; charset=windows-1251")
    fid = pipe.add_feed("/f")
    assert pipe.poll(fid).outcome == "ok"
    assert _titles(pipe) == {UK_TITLE, RU_TITLE}


# --- XML attacks ----------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>&lol9;</title>'
    + item("x", "/a/1")
    + "</channel></rss>"
)


def test_billion_laughs_is_refused(pipe: Pipeline) -> None:
    pipe.server.routes["/f"] = xml_reply(BILLION_LAUGHS)
    started = time.monotonic()
    assert_failed(pipe, pipe.add_feed("/f"), "entity_expansion", "hard", 1.0)
    assert time.monotonic() - started < 5


def test_external_entities_are_not_expanded(pipe: Pipeline, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        '<rss version="2.0"><channel><title>t &xxe; end</title>'
        "<item><title>a &xxe; b</title><link>/a/1</link><description>&xxe;</description></item>"
        "</channel></rss>"
    )
    pipe.server.routes["/f"] = xml_reply(doc)
    fid = pipe.add_feed("/f")
    result = pipe.poll(fid)
    feed = pipe.feed(fid)
    assert result.outcome == "ok" or feed.last_error
    seen = [feed.title, feed.last_error, feed.parse_problem]
    for art in pipe.articles():
        seen += [art.feed_title, art.feed_summary, art.url]
    assert not any("TOP-SECRET" in (v or "") for v in seen)
    assert pipe.server.requests[-1].path == "/f"  # no other fetch was made


# --- volume and links -----------------------------------------------------------------------


def test_10000_items_are_stored_up_to_the_cap(pipe: Pipeline) -> None:
    pipe.server.routes["/f"] = xml_reply(good_feed(10_000))
    fid = pipe.add_feed("/f")
    result = pipe.poll(fid)
    assert result.outcome == "ok"
    assert len(result.new_article_ids) == MAX_ENTRIES
    feed = pipe.feed(fid)
    assert feed.parse_problem == f"10000 entries, cut to the newest {MAX_ENTRIES}"
    assert feed.entries_seen == MAX_ENTRIES and feed.last_error is None


def test_non_http_item_links_are_never_fetched_or_stored(pipe: Pipeline) -> None:
    links = [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "mailto:a@example.org",
        "http://user:pw@127.0.0.1/x",
    ]
    items = [item(f"bad {i}", link, guid=f"g{i}") for i, link in enumerate(links)]
    pipe.server.routes["/f"] = xml_reply(rss([*items, item("good", "/a/ok")]))
    fid = pipe.add_feed("/f")
    result = pipe.poll(fid)
    assert result.outcome == "ok" and len(result.new_article_ids) == 1
    arts = pipe.articles()
    assert [a.url for a in arts] == [pipe.server.url("/a/ok")]
    assert pipe.feed(fid).parse_problem == "6 of 7 entries without an http(s) link"
    assert [r.path for r in pipe.server.requests] == ["/f"]


def test_nul_characters_in_item_fields(both: Pipeline) -> None:
    # XML forbids them; the lenient parser keeps them, and PostgreSQL text refuses them.
    doc = rss(
        [item("a &#0; b", "/a/1", guid="g&#0;1", description="c &#0; d")], title="t&#0;t"
    ).replace("&amp;#0;", "&#0;")
    both.server.routes["/f"] = xml_reply(doc)
    fid = both.add_feed("/f")
    result = both.poll(fid)
    assert result.outcome == "ok" and len(result.new_article_ids) == 1
    (art,) = both.articles()
    assert (art.feed_title, art.feed_summary, art.guid) == ("a b", "c d", "g1")
    assert both.feed(fid).title == "tt"
