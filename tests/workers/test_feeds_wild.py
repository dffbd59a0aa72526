"""feedparser's own 544 test feeds, each served with the headers it names and polled once.

Every file of the shared ``feeds-wild/feedparser`` corpus becomes a feed row; one dispatch and one
``workers.polling.poll`` per feed must leave each with entries recorded, an explained empty
result, or a reason in ``last_error`` — never an exception out of the poll and never a poll that
outlives the fetch deadline.
"""

from __future__ import annotations

import codecs
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from ingest.feeds import NotAFeed, parse_feed
from storage.db import session_scope
from storage.models import Feed, FeedEntry
from tests.conftest import require_shared
from tests.support.hostile import Pipeline, make_settings
from tests.support.server import LoopbackServer, Reply
from workers.polling import PollResult, dispatch, poll

pytestmark = [pytest.mark.integration, pytest.mark.corpus, pytest.mark.slow]

DEADLINE = 5.0
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_HEADER = re.compile(r"^\s*Header:\s*([A-Za-z0-9-]+):[ \t]*(.*?)\s*$", re.M)
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def served_headers(body: bytes) -> dict[str, str]:
    """The headers the file's leading comment names; ``application/xml`` when it names none."""
    codec = next((c for prefix, c in _WIDE if body.startswith(prefix)), "latin-1")
    text = body[:8192].decode(codec, "replace")
    comment = _COMMENT.search(text)
    headers = dict(_HEADER.findall(comment.group(1))) if comment else {}
    named = {k.lower() for k in headers}
    if "content-type" not in named:
        headers["Content-Type"] = "application/xml"
    return headers


def test_served_headers_come_from_the_leading_comment() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!--\nHeader:  Content-type: text/xml; charset=koi8-r\n'
        b"Header:  Last-Modified:\nExpect: 1\n-->\n<rss/>"
    )
    assert served_headers(body) == {"Content-type": "text/xml; charset=koi8-r", "Last-Modified": ""}
    wide = "<!--\nHeader: X-Foo: bar\n--><rss/>".encode("utf-16")
    assert served_headers(wide) == {"X-Foo": "bar", "Content-Type": "application/xml"}


def test_every_feedparser_feed_ends_with_entries_or_a_reason(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    root = require_shared("corpus", "feeds-wild") / "feedparser"
    files = sorted(p for p in root.rglob("*.xml") if p.is_file())
    assert len(files) == 544
    pipe = Pipeline(
        make_settings(tmp_path / "data", fetch_deadline=DEADLINE, dispatch_batch=len(files)),
        http_server,
    )
    ids: dict[int, Path] = {}
    for n, path in enumerate(files):
        body = path.read_bytes()
        route = f"/wild/{n}"
        http_server.routes[route] = Reply(200, served_headers(body), body)
        ids[pipe.add_feed(route)] = path

    claims = dispatch(pipe.settings, force=True)
    assert sorted(c.feed_id for c in claims) == sorted(ids)
    results: dict[int, PollResult] = {}
    slow: list[tuple[str, float]] = []
    started = time.monotonic()
    for claim in claims:
        t0 = time.monotonic()
        results[claim.feed_id] = poll(pipe.settings, claim)  # must not raise, for any file
        took = time.monotonic() - t0
        if took > DEADLINE + 3:
            slow.append((ids[claim.feed_id].name, took))
    total = time.monotonic() - started

    with session_scope(pipe.settings.database) as s:
        feeds = {f.id: f for f in s.scalars(select(Feed)).all()}
        per_feed = select(col(FeedEntry.feed_id), func.count()).group_by(col(FeedEntry.feed_id))
        recorded: dict[int, int] = {fid: n for fid, n in s.execute(per_feed).all()}

    outcomes: Counter[str] = Counter()
    unexplained: list[str] = []
    for fid, path in ids.items():
        feed, result = feeds[fid], results[fid]
        name = str(path.relative_to(root))
        assert feed.last_polled_at is not None and feed.lease_token is None, name
        if result.outcome == "failed":
            assert feed.last_error and feed.last_error.startswith(f"{result.reason}: "), name
            assert feed.last_error_kind in ("hard", "soft", "temporary"), name
            outcomes[f"failed: {result.reason}"] += 1
            continue
        assert result.outcome == "ok", (name, result)
        assert feed.last_error is None and feed.last_success_at is not None, name
        if recorded.get(fid):
            outcomes["with entries"] += 1
            continue
        # Nothing recorded from a document the poll accepted: it holds no usable entry, and
        # the feed row says so.
        try:
            usable = [e for e in parse_feed(path.read_bytes(), feed.url).entries if e.url]
        except NotAFeed:
            usable = []
        problem = feed.parse_problem or ""
        if usable or not problem:
            unexplained.append(name)
        elif "http(s) link" in problem:
            outcomes["empty: entries without an http(s) link"] += 1
        else:
            assert problem.endswith("no entries"), (name, problem)
            outcomes["empty: no entries"] += 1

    print(f"\nfeeds-wild/feedparser: {len(files)} feeds polled in {total:.1f}s")
    for label, count in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:4d}  {label}")
    assert not slow, slow
    assert not unexplained, unexplained
    assert sum(outcomes.values()) == len(files)
    assert outcomes["with entries"] > 0
