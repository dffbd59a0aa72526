"""``vistka feeds disable|enable|list`` as an operator runs them (subprocesses, both backends),
with the feeds polled in-process against the loopback server between commands."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from typing import Any

import pytest

from storage.types import utcnow
from tests.support.backends import Backend
from tests.support.hostile import Pipeline, item, make_settings, rss, xml_reply
from tests.support.server import LoopbackServer, Reply
from tests.workers.test_polling import dispatch_and_poll, time_passes

pytestmark = pytest.mark.integration


def listed(b: Backend) -> dict[str, dict[str, Any]]:
    """``feeds list --json`` keyed by the feed's path on the loopback server."""
    feeds = json.loads(b.cli("feeds", "list", "--json").stdout)
    return {"/" + f["url"].split("/", 3)[3]: f for f in feeds}


def one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.splitlines() == [proc.stderr.strip()], proc.stderr
    assert proc.stderr.startswith("error:") and needle in proc.stderr, proc.stderr


@pytest.fixture
def operated(env: Backend, http_server: LoopbackServer) -> Pipeline:
    """In-process polling on the CLI's database; four 500s disable a feed."""
    settings = make_settings(
        env.data_dir,
        database_url=env.env.get("VISTKA_DATABASE_URL"),
        disable_after_failures=1.0,
    )
    return Pipeline(settings, http_server)


def test_operators_switch_feeds_off_and_on_and_see_every_state(
    env: Backend, operated: Pipeline
) -> None:
    pipe, server = operated, operated.server
    server.routes["/ok"] = xml_reply(rss([item("Story", "/story/1")]))
    server.routes["/gone"] = Reply(410, {"Content-Type": "text/plain"}, b"gone")
    server.routes["/failing"] = Reply(500, {"Content-Type": "text/plain"}, b"oops")
    for path in ("/ok", "/gone", "/failing"):
        env.cli("feeds", "add", server.url(path))
    ids = {path: f["id"] for path, f in listed(env).items()}
    for _ in range(4):
        pipe.poll_all()

    out = env.cli("feeds", "disable", str(ids["/ok"]), "--note", "paused by the editor").stdout
    assert f"disabled (disabled by operator: paused by the editor): feed {ids['/ok']}" in out

    feeds = listed(env)
    assert {p: (f["enabled"], f["state"]) for p, f in feeds.items()} == {
        "/ok": (False, "disabled"),
        "/gone": (False, "gone"),
        "/failing": (False, "retrying"),
    }
    assert feeds["/gone"]["disabled_reason"] == "gone (HTTP 410)"
    assert feeds["/failing"]["disabled_reason"] == "1 weighted failures: http_500"
    assert feeds["/failing"]["next_retry_at"] == feeds["/failing"]["next_poll_at"]
    retry_at = datetime.fromisoformat(feeds["/failing"]["next_retry_at"])
    assert retry_at > utcnow()
    assert feeds["/ok"]["next_retry_at"] is None and feeds["/gone"]["next_retry_at"] is None
    assert "retry " in env.cli("feeds", "list").stdout

    # Long after: only the failing feed is retried; the operator's and the gone one stay off.
    for feed_id in ids.values():
        time_passes(pipe, feed_id)
    assert set(dispatch_and_poll(pipe)) == {ids["/failing"]}
    assert server.hits("/ok") == 4 and server.hits("/gone") == 1

    out = env.cli("feeds", "enable", server.url("/ok")).stdout
    assert "enabled (was disabled: disabled by operator: paused by the editor)" in out
    out = env.cli("feeds", "enable", str(ids["/failing"])).stdout
    assert "enabled (was retrying: 1.25 weighted failures: http_500)" in out
    feeds = listed(env)
    for path in ("/ok", "/failing"):
        assert feeds[path]["state"] == "enabled" and feeds[path]["enabled"] is True
        assert feeds[path]["disabled_reason"] is None
        assert feeds[path]["consecutive_failures"] == 0
        assert datetime.fromisoformat(feeds[path]["next_poll_at"]) <= utcnow()

    polled = dispatch_and_poll(pipe)  # due now: the next scheduled dispatch takes them
    assert set(polled) == {ids["/ok"], ids["/failing"]}
    assert polled[ids["/ok"]].outcome == "not_modified"  # the same document as before
    assert server.hits("/ok") == 5
    assert pipe.feed(ids["/failing"]).enabled  # one more 500 weighs 0.25 of a fresh count


def test_an_unknown_feed_is_a_one_line_error(env: Backend) -> None:
    one_line_error(env.cli("feeds", "enable", "999", check=False), "no such feed: 999")
    one_line_error(
        env.cli("feeds", "disable", "https://nowhere.example/rss", check=False),
        "no such feed: https://nowhere.example/rss",
    )
