"""Per-host politeness shared by every worker: a token bucket, a concurrency cap, a cool-down.

Celery's ``rate_limit`` is per worker instance, so it cannot keep many workers on many machines
polite to one site. The limits live where every worker sees them: in Redis when the broker is
Redis (one atomic Lua script on the server clock, so no two workers can both take the last token
and clocks of different machines do not matter), else in this process (embedded mode is a single
host and its worker threads share this module, see ``LocalLimiter``).

A step never waits here: when the host is busy it gets ``Throttled`` with how long to come back,
gives its row back and lets the task be retried. The unit is the origin's authority (host and
port), the same unit robots.txt governs.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ingest.http import FetchError
from workers.settings import Settings

if TYPE_CHECKING:
    import redis

COOLDOWN_STATUSES = (429, 503)
DEFAULT_COOLDOWN = 60.0  # a 429 without Retry-After still means "slow down"
MAX_COOLDOWN = 3600.0  # a hostile Retry-After must not park a host for days
MAX_JITTER = 1.0  # spread retries of one host's throttled tasks over a second


class Throttled(Exception):
    """The host may not be contacted now; ``wait`` seconds is a good time to come back."""

    def __init__(self, reason: str, wait: float) -> None:
        super().__init__(f"{reason}: retry in {wait:.1f} s")
        self.reason = reason  # "host_cooldown", "host_busy" or "host_rate"
        self.wait = wait


@dataclass(frozen=True)
class Limits:
    """What one host may take: ``rate`` requests/s, ``burst`` at once, ``concurrency`` in flight."""

    rate: float
    burst: int
    concurrency: int
    lease: float  # seconds a slot is held at most: a crashed holder frees it after this


@dataclass(frozen=True)
class Permit:
    host: str
    token: str


class Limiter(Protocol):
    def acquire(self, host: str, limits: Limits) -> Permit:
        """A slot and a token for ``host``, or ``Throttled``."""
        ...

    def release(self, permit: Permit) -> None: ...

    def cool_down(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` (an existing longer cool-down is kept)."""
        ...

    def cooldown_left(self, host: str) -> float: ...


def host_key(url: str) -> str:
    """``host:port`` of ``url`` (default port made explicit), lower-case."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    return f"{host}:{port}"


def _busy_wait(limits: Limits) -> float:
    """A holder usually finishes within one request interval; no need to wait for its lease."""
    return max(1.0, 1.0 / limits.rate)


# --- Redis ----------------------------------------------------------------------------------

# KEYS: bucket hash, semaphore zset, cool-down key. ARGV: rate, burst, concurrency, lease (s),
# permit token, busy wait (s). Returns {granted, wait seconds as a string, reason}: Lua numbers
# are truncated to integers on the way out, so fractions travel as strings.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local cool = redis.call('PTTL', KEYS[3])
if cool > 0 then return {0, tostring(cool / 1000), 'host_cooldown'} end
local rate = tonumber(ARGV[1]); local burst = tonumber(ARGV[2]); local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {0, ARGV[6], 'host_busy'} end
local st = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(st[1]) or burst
local ts = tonumber(st[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local ttl = math.ceil(burst / rate) + 60
if tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[1], ttl)
  return {0, tostring((1 - tokens) / rate), 'host_rate'}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + lease, ARGV[5])
redis.call('EXPIRE', KEYS[2], math.ceil(lease) + 60)
return {1, '0', 'ok'}
"""

_COOL_DOWN = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""


class RedisLimiter:
    """Limits kept in Redis, shared by all workers on all machines."""

    def __init__(self, client: redis.Redis, prefix: str = "vistka:polite") -> None:
        self.client = client
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._cool = client.register_script(_COOL_DOWN)

    def _keys(self, host: str) -> tuple[str, str, str]:
        tag = f"{self.prefix}:{{{host}}}"  # one hash slot per host (Redis Cluster)
        return f"{tag}:bucket", f"{tag}:sem", f"{tag}:cooldown"

    def acquire(self, host: str, limits: Limits) -> Permit:
        token = uuid.uuid4().hex
        granted, wait, reason = self._acquire(
            keys=list(self._keys(host)),
            args=[
                repr(limits.rate),
                limits.burst,
                limits.concurrency,
                repr(limits.lease),
                token,
                repr(_busy_wait(limits)),
            ],
        )
        if int(granted) != 1:
            raise Throttled(_text(reason), float(wait))
        return Permit(host, token)

    def release(self, permit: Permit) -> None:
        self.client.zrem(self._keys(permit.host)[1], permit.token)

    def cool_down(self, host: str, seconds: float) -> None:
        self._cool(keys=[self._keys(host)[2]], args=[max(1, int(seconds * 1000))])

    def cooldown_left(self, host: str) -> float:
        ms = int(self.client.pttl(self._keys(host)[2]))
        return ms / 1000 if ms > 0 else 0.0


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- in-process ------------------------------------------------------------------------------


class LocalLimiter:
    """The same limits within one process, for embedded mode (single host, no Redis).

    Embedded vistka has no shared server to keep counters in, so each worker process keeps its
    own: with a prefork pool of N processes a host may see up to N times the configured rate and
    concurrency. That is accepted for a single-host install; production (Redis broker) uses
    ``RedisLimiter``, whose limits hold across every process and machine.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # host -> (tokens, at)
        self._holders: dict[str, dict[str, float]] = {}  # host -> token -> lease end
        self._cooling: dict[str, float] = {}  # host -> end

    def acquire(self, host: str, limits: Limits) -> Permit:
        with self._lock:
            now = time.monotonic()
            left = self._cooling.get(host, 0.0) - now
            if left > 0:
                raise Throttled("host_cooldown", left)
            holders = {t: end for t, end in self._holders.get(host, {}).items() if end > now}
            self._holders[host] = holders
            if len(holders) >= limits.concurrency:
                raise Throttled("host_busy", _busy_wait(limits))
            tokens, at = self._buckets.get(host, (float(limits.burst), now))
            tokens = min(float(limits.burst), tokens + max(0.0, now - at) * limits.rate)
            if tokens < 1:
                self._buckets[host] = (tokens, now)
                raise Throttled("host_rate", (1 - tokens) / limits.rate)
            self._buckets[host] = (tokens - 1, now)
            token = uuid.uuid4().hex
            holders[token] = now + limits.lease
            return Permit(host, token)

    def release(self, permit: Permit) -> None:
        with self._lock:
            self._holders.get(permit.host, {}).pop(permit.token, None)

    def cool_down(self, host: str, seconds: float) -> None:
        with self._lock:
            end = time.monotonic() + seconds
            self._cooling[host] = max(end, self._cooling.get(host, 0.0))

    def cooldown_left(self, host: str) -> float:
        with self._lock:
            return max(0.0, self._cooling.get(host, 0.0) - time.monotonic())


# --- use ------------------------------------------------------------------------------------


def redis_url_of(settings: Settings) -> str | None:
    """The Redis server the limits live on: the broker's, when the broker is Redis."""
    broker = settings.broker
    return broker if broker.startswith(("redis://", "rediss://")) else None


@lru_cache(maxsize=4)
def _limiter(redis_url: str | None) -> Limiter:
    if redis_url is None:
        return LocalLimiter()
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5)
    return RedisLimiter(client)


def limiter_for(settings: Settings) -> Limiter:
    """One limiter per process and server (connection reuse across tasks)."""
    return _limiter(redis_url_of(settings))


def limits_for(settings: Settings, crawl_delay: float | None = None) -> Limits:
    """The host limits; a robots.txt Crawl-delay lowers the rate (and the burst to one)."""
    rate, burst = settings.host_rate, settings.host_burst
    if crawl_delay is not None and crawl_delay > 0 and 1.0 / crawl_delay < rate:
        rate, burst = 1.0 / crawl_delay, 1
    return Limits(
        rate=rate,
        burst=burst,
        concurrency=settings.host_concurrency,
        lease=settings.fetch_deadline + 15.0,
    )


def check_cooldown(settings: Settings, url: str) -> None:
    """``Throttled`` if the host of ``url`` asked every worker to back off."""
    left = limiter_for(settings).cooldown_left(host_key(url))
    if left > 0:
        raise Throttled("host_cooldown", left)


def note_failure(settings: Settings, url: str, err: FetchError) -> None:
    """A 429/503 puts the host on cool-down for its Retry-After (other hosts are unaffected)."""
    if err.status not in COOLDOWN_STATUSES:
        return
    seconds = err.retry_after
    if seconds is None:
        if err.status != 429:
            return  # a bare 503 may be one broken page; its own retry backs off
        seconds = DEFAULT_COOLDOWN
    limiter_for(settings).cool_down(host_key(url), min(max(seconds, 1.0), MAX_COOLDOWN))


@contextmanager
def polite(settings: Settings, url: str, crawl_delay: float | None = None) -> Iterator[None]:
    """Hold a token and a concurrency slot of ``url``'s host around one request.

    Raises ``Throttled`` on entry instead of waiting. A 429/503 raised inside sets the host's
    cool-down. The slot is released on exit; if the process dies first, its lease expires.
    """
    limiter = limiter_for(settings)
    permit = limiter.acquire(host_key(url), limits_for(settings, crawl_delay))
    try:
        yield
    except FetchError as err:
        note_failure(settings, url, err)
        raise
    finally:
        limiter.release(permit)


def retry_countdown(wait: float) -> float:
    """When a throttled step should come back: the wait plus jitter, so retries do not herd."""
    return wait + random.uniform(0.0, MAX_JITTER)
