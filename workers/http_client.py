"""The per-process HTTP client and the schedule bounds, built from Settings."""

from __future__ import annotations

import threading
from datetime import timedelta

from ingest.http import Fetcher, FetchPolicy
from ingest.schedule import ScheduleBounds
from workers.settings import Settings

_local = threading.local()


def fetcher_for(settings: Settings) -> Fetcher:
    """One HTTP client per thread and policy, reused across tasks (kept-alive connections).

    Per thread, not per process: the network worker runs its tasks in threads, and a Fetcher
    keeps per-fetch state (the redirect chain's cookies) on its client.
    """
    policy = fetch_policy(settings)
    fetchers: dict[FetchPolicy, Fetcher] = _local.__dict__.setdefault("fetchers", {})
    fetcher = fetchers.get(policy)
    if fetcher is None:
        if len(fetchers) >= 4:  # settings changed under us (tests): drop the old clients
            fetchers.clear()
        fetcher = fetchers[policy] = Fetcher(policy)
    return fetcher


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        user_agent=settings.full_user_agent,
        allowed_networks=tuple(settings.allowed_networks),
        connect_timeout=settings.fetch_connect_timeout,
        read_timeout=settings.fetch_read_timeout,
        deadline=settings.fetch_deadline,
        max_bytes=settings.fetch_max_bytes,
        max_redirects=settings.fetch_max_redirects,
    )


def bounds(settings: Settings) -> ScheduleBounds:
    return ScheduleBounds(
        min_interval=timedelta(seconds=settings.min_interval),
        max_interval=timedelta(seconds=settings.max_interval),
    )


class TransientError(Exception):
    """A step that should be retried later (network hiccup, 5xx, 429): the task retries it.

    ``host_wide`` when the wait is the host's, not the page's (politeness, robots.txt
    unreadable): the host's other pages wait as long.
    """

    def __init__(self, reason: str, countdown: float, *, host_wide: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.countdown = countdown
        self.host_wide = host_wide
