"""Per-host line statistics for boilerplate learning, counted once per page (idempotent).

The number of pages counted for a host is kept in ``host_line`` itself, under ``PAGES_KEY``
(a key no line fingerprint can take), and updated by the same statement as the lines: reading
it with the lines costs one indexed lookup, where ``count(*)`` over ``host_page`` would grow
with the host's history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from ingest.boilerplate import HostStats
from storage.lookup import one_of
from storage.models import HostLine, HostPage
from storage.upsert import insert_rows

PAGES_KEY = "#pages"


@dataclass(frozen=True)
class Page:
    """One extracted page of a host, as its line statistics count it."""

    host: str
    url_key: str
    fingerprints: Sequence[str]


def record_pages(session: Session, pages: Sequence[Page]) -> dict[str, HostStats]:
    """Count the lines of several pages (those not counted before) and read back each host's
    counts for the lines of these pages: two statements and one read per host, where page by
    page it would be three statements a page.

    The pages of one call count together: each sees the others' lines, as a page stored a
    moment later would. Rows are written in key order, so concurrent writers cannot deadlock.
    """
    if not pages:
        return {}
    fresh = {
        (str(host), str(key))
        for host, key in insert_rows(
            session,
            HostPage,
            [{"host": p.host, "url_key": p.url_key} for p in pages],
            conflict=("host", "url_key"),
            returning=("host", "url_key"),
        )
    }
    counts: Counter[tuple[str, str]] = Counter()
    for page in pages:
        if (page.host, page.url_key) in fresh:
            counts.update((page.host, fp) for fp in {*page.fingerprints, PAGES_KEY})
    insert_rows(
        session,
        HostLine,
        [{"host": h, "fingerprint": fp, "pages": n} for (h, fp), n in counts.items()],
        conflict=("host", "fingerprint"),
        add="pages",
    )
    wanted: dict[str, set[str]] = {}
    for page in pages:
        wanted.setdefault(page.host, set()).update(page.fingerprints)
    return {host: host_stats(session, host, sorted(fps)) for host, fps in wanted.items()}


def host_stats(session: Session, host: str, fingerprints: Sequence[str]) -> HostStats:
    keys = list(set(fingerprints) | {PAGES_KEY})
    rows = session.execute(
        select(col(HostLine.fingerprint), col(HostLine.pages)).where(
            col(HostLine.host) == host, one_of(session, col(HostLine.fingerprint), keys)
        )
    ).all()
    counts = {str(r[0]): int(r[1]) for r in rows}
    return HostStats(pages=counts.pop(PAGES_KEY, 0), line_pages=counts)
