"""Follow-up events end to end: a loopback feed whose articles announce a meeting, ingested by
the real service; later a covering article arrives, and the report shows the event go from
upcoming (one event, two sources) to covered."""

from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import pytest

from tests.conftest import require_shared
from tests.support.backends import Backend
from tests.support.server import LoopbackServer, Reply

pytestmark = [pytest.mark.integration, pytest.mark.corpus]


def _cases() -> dict[str, dict[str, Any]]:
    path = require_shared("eval", "followups-dev.jsonl")
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {c["id"]: c for c in cases}


def _page(case: dict[str, Any]) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in case["text"].split("\n") if p)
    return f"""<!doctype html><html lang="{case["language"]}"><head><meta charset="utf-8">
<title>{html.escape(case["title"])}</title>
<meta property="article:published_time" content="{case["published"]}"></head>
<body><article><h1>{html.escape(case["title"])}</h1>{paragraphs}</article></body></html>""".encode()


def _feed(server: LoopbackServer, cases: list[dict[str, Any]]) -> bytes:
    items = "".join(
        f"<item><title>{html.escape(c['title'])}</title><link>{server.url('/' + c['id'])}</link>"
        f"<guid>{c['id']}</guid>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(c['published']))}</pubDate></item>"
        for c in cases
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Новини</title><link>{server.base}/</link>{items}</channel></rss>"
    ).encode()


def _publish(server: LoopbackServer, cases: list[dict[str, Any]]) -> None:
    for c in cases:
        server.routes["/" + c["id"]] = Reply(
            200, {"Content-Type": "text/html; charset=utf-8"}, _page(c)
        )
    server.routes["/feed.xml"] = Reply(
        200, {"Content-Type": "application/rss+xml"}, _feed(server, cases)
    )


def _report(env: Backend, today: str) -> list[dict[str, Any]]:
    out = env.cli("report", "--format", "json", "--today", today, "--days", "14")
    return json.loads(out.stdout)["events"]


def _paris(events: list[dict[str, Any]]) -> dict[str, Any]:
    found = [e for e in events if e["starts_on"] == "2026-01-06"]
    assert len(found) == 1, events
    return found[0]


def test_announced_meeting_goes_from_upcoming_to_covered(
    env: Backend, http_server: LoopbackServer
) -> None:
    cases = _cases()
    _publish(http_server, [cases["d01"], cases["d21"]])
    env.cli("feeds", "add", http_server.url("/feed.xml"))
    env.cli("run", "--once", "--json", timeout=300)

    events = _report(env, "2026-01-04")
    meeting = _paris(events)
    assert meeting["status"] == "upcoming"
    assert "париж" in (meeting["location"] or "").casefold()
    sources = {s["url"].rsplit("/", 1)[-1] for s in meeting["sources"]}
    assert sources == {"d01", "d21"}, meeting
    assert any(e["starts_on"] == "2026-01-05" for e in events)
    assert not any(e["starts_on"] == "2026-01-03" for e in events)

    _publish(http_server, [cases["d01"], cases["d21"], cases["d22"]])
    env.cli("run", "--once", "--json", timeout=300)

    meeting = _paris(_report(env, "2026-01-07"))
    assert meeting["status"] == "covered", meeting
    assert meeting["covered_by"]["url"].endswith("/d22")
