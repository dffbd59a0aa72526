"""``vistka run --once`` over the shared corpus's loopback site, as a user runs it, on both
backends: every page stored exactly once, aggregator links never fetched, copies grouped into
stories, and a second run that fetches nothing but the (unchanged, 304) feeds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.urls import canonical_url
from tests.conftest import require_shared
from tests.support.backends import Backend
from tests.support.server import LoopbackServer
from tests.support.site import serve_site

pytestmark = [pytest.mark.integration, pytest.mark.corpus]


def _ingest(env: Backend, server: LoopbackServer, manifest: dict[str, Any]) -> dict[str, Any]:
    for feed in manifest["feeds"]:
        env.cli("feeds", "add", server.url(feed["path"]))
    out = env.cli("run", "--once", "--json", timeout=600)
    return json.loads(out.stdout)


def test_run_once_stores_every_page_once_and_groups_copies(
    env: Backend, http_server: LoopbackServer
) -> None:
    site = require_shared("corpus", "site")
    manifest = serve_site(http_server, site)
    expect = manifest["expect"]

    summary = _ingest(env, http_server, manifest)

    assert summary["feeds_polled"] == len(manifest["feeds"])
    assert summary["feeds_failed"] == {}
    assert summary["pending"] == 0
    assert summary["discovered"] == expect["pages"]
    assert summary["duplicates"].get("url") == expect["url_duplicates"]

    rows = json.loads(env.cli("articles", "list", "--json").stdout)
    assert len(rows) == expect["pages"]
    assert all(r["status"] in ("stored", "duplicate") for r in rows), [
        (r["url"], r["status"], r["fail_reason"]) for r in rows if r["status"] == "failed"
    ]
    page_paths = [p for p in manifest["routes"] if not p.endswith(".xml")]
    for path in page_paths:
        assert http_server.hits(path) == 1, f"{path} fetched {http_server.hits(path)} times"
    assert not [r.path for r in http_server.requests if "fbclid" in r.path]

    by_url = {r["url"]: r for r in rows}
    for dup in manifest["duplicates"]:
        copy = by_url[canonical_url(http_server.url(dup["copy"]))]
        original = by_url[canonical_url(http_server.url(dup["original"]))]
        assert copy["story_id"] == original["story_id"], dup
        assert {copy["status"], original["status"]} == {"stored", "duplicate"}, dup
    assert len({r["story_id"] for r in rows}) == expect["stories"]
    assert sum(r["status"] == "stored" for r in rows) == expect["stories"]
    assert all(r["text"] and r["title"] for r in rows)


def test_second_run_only_polls_the_unchanged_feeds(
    env: Backend, http_server: LoopbackServer
) -> None:
    manifest = serve_site(http_server, require_shared("corpus", "site"))
    _ingest(env, http_server, manifest)
    before = len(http_server.requests)

    summary = json.loads(env.cli("run", "--once", "--json", timeout=600).stdout)

    again = http_server.requests[before:]
    assert sorted(r.path for r in again) == sorted(f["path"] for f in manifest["feeds"])
    assert all("if-none-match" in r.headers for r in again)
    assert summary["discovered"] == 0
    assert (
        len(json.loads(env.cli("articles", "list", "--json").stdout)) == manifest["expect"]["pages"]
    )
