"""robots.txt per origin, fetched once and remembered: in Redis when there is one, else in memory.

Every article fetch asks whether its URL is allowed; fetching robots.txt each time would double
the load on the site, so the answer is cached per origin (scheme, host, port) for a day, and
shared through Redis by every worker when the broker is Redis, each worker answering from its own
copy for up to a minute. Embedded mode (no Redis) runs on a single host, so a small per-process
cache with the same lifetimes is enough there.

Fetch outcomes follow RFC 9309 2.3.1: a 2xx body is parsed; a 4xx (other than 429) means no rules;
a 5xx, a 429 or an unreachable host means "disallow everything" for a short time, which the
fetch step turns into a retry of the article rather than a failure.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, Protocol

from ingest.http import FetchError
from ingest.http_errors import Kind
from ingest.robots import Robots, robots_url
from workers import politeness
from workers.http_client import fetcher_for
from workers.settings import Settings

if TYPE_CHECKING:
    import redis

ROBOTS_TTL = 24 * 3600.0  # RFC 9309 2.4: SHOULD NOT use a cached copy for more than 24 hours
UNREACHABLE_TTL = 120.0  # "disallow all" after a server error, then ask again
LOCAL_MAX_ENTRIES = 10_000
# How long a worker answers from its own copy of an entry read from Redis before reading it
# again: every page asks, and the Redis round trip cost more CPU than the rest of the check.
# A robots.txt refetched by another worker reaches this one within this time.
SHARED_COPY_TTL = 60.0

State = Literal["rules", "none", "unreachable"]


class RobotsDisallowed(FetchError):
    """robots.txt forbids the page: final, never retried."""

    default_reason = "robots_disallowed"
    default_kind: Kind = "hard"


class RobotsUnavailable(FetchError):
    """robots.txt could not be read (5xx, 429, network): retry the page after ``retry_after``."""

    default_reason = "robots_unavailable"
    default_kind: Kind = "temporary"


@dataclass(frozen=True)
class Entry:
    state: State
    text: str
    expires_in: float  # seconds this answer stays valid

    @property
    def robots(self) -> Robots:
        if self.state == "rules":
            return _parse(self.text)
        return Robots.allow_all() if self.state == "none" else Robots.disallow_all()


@lru_cache(maxsize=256)
def _parse(text: str) -> Robots:
    """Parsed rules per text: the same few hosts' files are checked for every article."""
    return Robots.parse(text)


class Store(Protocol):
    def get(self, origin: str) -> Entry | None: ...

    def put(self, origin: str, state: State, text: str, ttl: float) -> None: ...


class RedisStore:
    """Entries shared by all workers; Redis expires them."""

    def __init__(self, client: redis.Redis, prefix: str = "vistka:robots") -> None:
        self.client = client
        self.prefix = prefix

    def get(self, origin: str) -> Entry | None:
        key = f"{self.prefix}:{origin}"
        pipe = self.client.pipeline(transaction=False)
        pipe.get(key)
        pipe.pttl(key)
        raw, ms = pipe.execute()
        if raw is None or int(ms) <= 0:
            return None
        value = json.loads(raw)
        return Entry(value["state"], value["text"], int(ms) / 1000)

    def put(self, origin: str, state: State, text: str, ttl: float) -> None:
        value = json.dumps({"state": state, "text": text})
        self.client.set(f"{self.prefix}:{origin}", value, px=max(1, int(ttl * 1000)))


class LocalStore:
    """Per-process entries for embedded mode (single host, no Redis); bounded in size."""

    def __init__(self, max_entries: int = LOCAL_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, State, str]] = {}
        self._max = max_entries

    def get(self, origin: str) -> Entry | None:
        with self._lock:
            found = self._entries.get(origin)
        if found is None:
            return None
        left = found[0] - time.monotonic()
        return Entry(found[1], found[2], left) if left > 0 else None

    def put(self, origin: str, state: State, text: str, ttl: float) -> None:
        with self._lock:
            now = time.monotonic()
            if len(self._entries) >= self._max:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                while len(self._entries) >= self._max:  # still full: drop the oldest insertions
                    del self._entries[next(iter(self._entries))]
            self._entries[origin] = (now + ttl, state, text)


class CopiedStore:
    """A shared store read through a short-lived per-process copy of its entries.

    An entry keeps its own expiry: the copy lives ``copy_ttl`` seconds at most, never past it.
    """

    def __init__(self, shared: Store, copy_ttl: float = SHARED_COPY_TTL) -> None:
        self.shared = shared
        self.copies = LocalStore()
        self.copy_ttl = copy_ttl

    def get(self, origin: str) -> Entry | None:
        entry = self.copies.get(origin)
        if entry is not None:
            return entry
        entry = self.shared.get(origin)
        if entry is not None:
            self.copies.put(origin, entry.state, entry.text, min(self.copy_ttl, entry.expires_in))
        return entry

    def put(self, origin: str, state: State, text: str, ttl: float) -> None:
        self.shared.put(origin, state, text, ttl)
        self.copies.put(origin, state, text, min(self.copy_ttl, ttl))


@lru_cache(maxsize=4)
def _store(redis_url: str | None) -> Store:
    if redis_url is None:
        return LocalStore()
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5)
    return CopiedStore(RedisStore(client))


def store_for(settings: Settings) -> Store:
    return _store(politeness.redis_url_of(settings))


def lookup(settings: Settings, url: str) -> Entry:
    """The robots.txt answer for ``url``'s origin, fetched (through the Fetcher) when not cached.

    Raises ``politeness.Throttled`` when the host is cooling down: robots.txt is a request too.
    """
    origin = robots_url(url)
    store = store_for(settings)
    entry = store.get(origin)
    if entry is not None:
        return entry
    politeness.check_cooldown(settings, url)
    try:
        fetched = fetcher_for(settings).get(origin)
    except FetchError as err:
        politeness.note_failure(settings, url, err)
        status = err.status
        if status is not None and 400 <= status < 500 and status != 429:
            state: State = "none"
        elif status is not None or err.kind == "temporary":
            state = "unreachable"
        else:
            # Not fetchable at all (blocked address, bad URL, redirect loop): the page fetch will
            # fail for the same reason and say so; robots.txt has nothing to add.
            state = "none"
        ttl = UNREACHABLE_TTL if state == "unreachable" else ROBOTS_TTL
        store.put(origin, state, "", ttl)
        return Entry(state, "", ttl)
    text = fetched.body.decode("utf-8", errors="replace")
    store.put(origin, "rules", text, ROBOTS_TTL)
    return Entry("rules", text, ROBOTS_TTL)


def check(settings: Settings, url: str) -> float | None:
    """The host's Crawl-delay for us if ``url`` may be fetched; else raise.

    ``RobotsDisallowed`` when a rule forbids it, ``RobotsUnavailable`` (temporary, with the time
    left before robots.txt is asked again) when robots.txt could not be read.
    """
    if not settings.respect_robots:
        return None
    entry = lookup(settings, url)
    agent = settings.full_user_agent
    if entry.state == "unreachable":
        raise RobotsUnavailable(
            f"{robots_url(url)} unreachable; pages of this host wait",
            retry_after=max(1.0, entry.expires_in),
        )
    robots = entry.robots
    if not robots.allowed(url, agent):
        raise RobotsDisallowed(f"{url} is disallowed by {robots_url(url)}")
    return robots.crawl_delay(agent)


def cached_crawl_delay(settings: Settings, url: str) -> float | None:
    """Crawl-delay from a cached robots.txt only (feed polls do not fetch robots.txt)."""
    if not settings.respect_robots:
        return None
    entry = store_for(settings).get(robots_url(url))
    if entry is None or entry.state != "rules":
        return None
    return entry.robots.crawl_delay(settings.full_user_agent)
