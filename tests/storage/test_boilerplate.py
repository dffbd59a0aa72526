"""Host line statistics on both backends: each page counts once, a batch counts together."""

from __future__ import annotations

from storage import boilerplate as host_rows
from storage.boilerplate import Page
from storage.db import session_scope

HOST = "visnyk.example"


def _record(db: str, *pages: Page) -> dict[str, host_rows.HostStats]:
    with session_scope(db) as s:
        return host_rows.record_pages(s, list(pages))


def test_each_page_counts_once_however_often_it_is_recorded(db: str) -> None:
    first = _record(db, Page(HOST, "page-1", ["l:footer", "l:lead-1"]))
    again = _record(db, Page(HOST, "page-1", ["l:footer", "l:lead-1"]))

    assert first[HOST].pages == again[HOST].pages == 1
    assert dict(again[HOST].line_pages) == {"l:footer": 1, "l:lead-1": 1}


def test_pages_of_one_batch_see_each_other_and_hosts_stay_apart(db: str) -> None:
    _record(db, Page(HOST, "page-1", ["l:footer", "l:lead-1"]))
    stats = _record(
        db,
        Page(HOST, "page-2", ["l:footer", "l:lead-2"]),
        Page(HOST, "page-3", ["l:footer", "l:lead-3"]),
        Page("other.example", "page-1", ["l:footer"]),
    )

    assert stats[HOST].pages == 3
    assert dict(stats[HOST].line_pages) == {"l:footer": 3, "l:lead-2": 1, "l:lead-3": 1}
    assert stats["other.example"].pages == 1
    assert dict(stats["other.example"].line_pages) == {"l:footer": 1}
