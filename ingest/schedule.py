"""When a feed is next due: pure functions of response headers, errors and publish rate.

Three signals, kept apart as every mature poller keeps them: the publish rate (Miniflux's
``entry_frequency``: a feed posting n items a week is polled about every 7 days / n), what the
server asks for (Cache-Control, Expires, RSS ``<ttl>``, ``sy:updatePeriod``, Retry-After), and
failures, which back off exponentially in Media Cloud's weighted failure count. Keeping them as
data makes every schedule decision testable without a clock, a broker or a database.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

# Media Cloud rss-fetcher: a hard failure (DNS, 5xx, unparseable) counts 1, a soft one (403,
# 404, 429) 0.5, a temporary one (timeout, connection reset) 0.25.
FAILURE_WEIGHTS: Final[Mapping[str, float]] = {"hard": 1.0, "soft": 0.5, "temporary": 0.25}

_WEEK = timedelta(days=7)
_FAR = timedelta(days=365)  # longer server requests are cut here, before any arithmetic
_FAR_SECONDS = int(_FAR.total_seconds())
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?([0-9]+)\"?\s*(?:,|$)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\s*(?:,|=|$)", re.I)


@dataclass(frozen=True)
class ScheduleBounds:
    min_interval: timedelta = timedelta(minutes=5)
    max_interval: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.min_interval <= self.max_interval:
            raise ValueError("ScheduleBounds needs 0 < min_interval <= max_interval")

    def clamp(self, value: timedelta) -> timedelta:
        return min(max(value, self.min_interval), self.max_interval)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _http_date(value: str) -> datetime | None:
    try:
        return _aware(parsedate_to_datetime(value.strip()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _seconds(value: str) -> int | None:
    """Delta-seconds (RFC 9110 §1.2.1), at most a year; None if not that shape."""
    value = value.strip()
    if not re.fullmatch(r"[0-9]+", value):
        return None
    return _FAR_SECONDS if len(value) > 9 else min(int(value), _FAR_SECONDS)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After value (delta-seconds or HTTP-date) as a delay from ``now``.

    None when absent or unreadable; zero when the date has passed; at most a year.
    """
    if value is None or not value.strip():
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return timedelta(seconds=seconds)
    when = _http_date(value)
    if when is None:
        return None
    return min(max(when - _aware(now), timedelta(0)), _FAR)


def server_hint(
    headers: Mapping[str, str], ttl: timedelta | None, now: datetime
) -> timedelta | None:
    """The longest wait the server asks for: Cache-Control max-age (or else Expires), RSS ttl.

    ``Expires: 0``, unreadable or past dates and ``no-cache``/``no-store`` ask for nothing.
    """
    hints = [ttl] if ttl is not None and ttl > timedelta(0) else []
    cache_control = _header(headers, "cache-control") or ""
    max_age = _MAX_AGE.search(cache_control)
    if _NO_CACHE.search(cache_control):
        pass
    elif max_age:
        fresh = (_seconds(max_age.group(1)) or 0) - (_seconds(_header(headers, "age") or "") or 0)
        if fresh > 0:
            hints.append(timedelta(seconds=fresh))
    else:
        # RFC 9111 §5.3: Expires counts only without max-age; "0" and bad dates mean "expired".
        expires = _http_date(_header(headers, "expires") or "")
        if expires is not None and expires > _aware(now):
            hints.append(expires - _aware(now))
    return min(max(hints), _FAR) if hints else None


def adaptive_interval(
    base: timedelta,
    entry_times: Sequence[datetime],
    now: datetime,
    bounds: ScheduleBounds,
    hint: timedelta | None = None,
) -> timedelta:
    """The polling interval from the feed's publish rate, clamped, raised to the server's hint.

    ``entry_times`` are publish times of entries seen recently (stored ones, not only those in
    the last document). As Miniflux: the mean gap of the past week's entries, 7 d / count; a
    feed with no entry in a week waits ``bounds.max_interval``; ``base`` applies when no time is
    known at all. The week is shortened to the span the entries actually cover (at least a day),
    so a busy feed whose document holds only its last few hours is not polled at a weekly rate
    that would miss items. Times in the future (publisher clocks) count as ``now``.
    """
    now = _aware(now)
    if not entry_times:
        interval = base
    else:
        recent = [min(_aware(t), now) for t in entry_times if now - _aware(t) < _WEEK]
        if not recent:
            interval = bounds.max_interval
        else:
            span = max(now - min(recent), timedelta(days=1))
            interval = span / len(recent)
    interval = bounds.clamp(interval)
    if hint is not None and hint > interval:
        interval = min(hint, bounds.max_interval)
    return interval


def failure_backoff(
    failures: float,
    base: timedelta,
    bounds: ScheduleBounds,
    jitter: float = 0.1,
    rng: random.Random | None = None,
) -> timedelta:
    """The wait after ``failures`` (weighted, see FAILURE_WEIGHTS) consecutive failures.

    ``base · 2^failures`` up to ``bounds.max_interval``, then shortened by a random fraction up
    to ``jitter`` so feeds that failed together (one host down) do not return together; the
    jitter only shortens, so the cap holds.
    """
    if not 0 <= jitter < 1:
        raise ValueError("jitter must be in [0, 1)")
    exponent = min(max(failures, 0.0), 64.0)
    seconds = min(base.total_seconds() * 2.0**exponent, bounds.max_interval.total_seconds())
    wait = bounds.clamp(timedelta(seconds=seconds))
    draw = (rng or random).random()
    return max(wait * (1 - jitter * draw), bounds.min_interval)
