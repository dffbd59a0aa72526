"""The per-process HTTP client and the schedule bounds, built from Settings."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from ingest.http import Fetcher, FetchPolicy
from ingest.schedule import ScheduleBounds
from workers.settings import Settings


@lru_cache(maxsize=4)
def _fetcher(policy: FetchPolicy) -> Fetcher:
    return Fetcher(policy)


def fetcher_for(settings: Settings) -> Fetcher:
    """One HTTP client per process and policy (connection reuse across tasks)."""
    return _fetcher(fetch_policy(settings))


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
    """A step that should be retried later (network hiccup, 5xx, 429): the task retries it."""

    def __init__(self, reason: str, countdown: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.countdown = countdown
