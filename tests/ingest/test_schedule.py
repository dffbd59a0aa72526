"""Schedule functions: server hints, Retry-After, adaptive interval, failure backoff."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ingest.schedule import (
    FAILURE_WEIGHTS,
    ScheduleBounds,
    adaptive_interval,
    failure_backoff,
    retry_after,
    server_hint,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
BOUNDS = ScheduleBounds()
HOUR = timedelta(hours=1)


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


# --- retry_after ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        (http_date(NOW + timedelta(minutes=3)), timedelta(minutes=3)),
        (http_date(NOW - timedelta(minutes=3)), timedelta(0)),
        ("99999999999999999999", timedelta(days=365)),
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert retry_after(value, NOW) == expected


def test_retry_after_http_date_from_another_zone() -> None:
    assert retry_after("Mon, 10 Mar 2025 14:30:00 +0200", NOW) == timedelta(minutes=30)


# --- server_hint ----------------------------------------------------------------------------


def test_server_hint_takes_the_longest_request() -> None:
    headers = {"Cache-Control": "public, max-age=1800"}
    assert server_hint(headers, None, NOW) == timedelta(minutes=30)
    assert server_hint(headers, timedelta(hours=2), NOW) == timedelta(hours=2)
    assert server_hint({"cache-control": "max-age=7200"}, HOUR, NOW) == timedelta(hours=2)


def test_server_hint_expires() -> None:
    later = {"Expires": http_date(NOW + timedelta(minutes=40))}
    assert server_hint(later, None, NOW) == timedelta(minutes=40)
    assert server_hint({"Expires": "0"}, None, NOW) is None
    assert server_hint({"Expires": http_date(NOW - HOUR)}, None, NOW) is None
    assert server_hint({"Expires": "garbage"}, timedelta(minutes=5), NOW) == timedelta(minutes=5)


def test_max_age_overrides_expires() -> None:
    headers = {"Cache-Control": "max-age=60", "Expires": http_date(NOW + timedelta(days=2))}
    assert server_hint(headers, None, NOW) == timedelta(seconds=60)


def test_no_cache_and_age() -> None:
    assert server_hint({"Cache-Control": "no-cache, max-age=600"}, None, NOW) is None
    assert server_hint({"Cache-Control": "no-store"}, None, NOW) is None
    aged = {"Cache-Control": "max-age=600", "Age": "100"}
    assert server_hint(aged, None, NOW) == timedelta(seconds=500)
    assert server_hint({"Cache-Control": "max-age=600", "Age": "900"}, None, NOW) is None
    assert server_hint({"Cache-Control": "s-maxage=600"}, None, NOW) is None
    assert server_hint({}, None, NOW) is None


# --- adaptive_interval ----------------------------------------------------------------------


def spaced(count: int, gap: timedelta) -> list[datetime]:
    return [NOW - gap * (i + 1) for i in range(count)]


def test_weekly_rate_gives_mean_gap() -> None:
    # 42 entries spread over the week: one every 4 h.
    assert adaptive_interval(HOUR, spaced(42, timedelta(hours=4)), NOW, BOUNDS) == pytest.approx(
        timedelta(hours=4), abs=timedelta(minutes=10)
    )


def test_busy_feed_is_clamped_to_min() -> None:
    times = spaced(2000, timedelta(minutes=1))
    assert adaptive_interval(HOUR, times, NOW, BOUNDS) == BOUNDS.min_interval


def test_short_document_window_is_not_read_as_a_weekly_rate() -> None:
    # 50 items over the last 5 hours: a weekly reading (7 d / 50 = 3.4 h) would miss items.
    interval = adaptive_interval(HOUR, spaced(50, timedelta(minutes=6)), NOW, BOUNDS)
    assert interval <= timedelta(days=1) / 50
    assert interval < timedelta(hours=5)


def test_quiet_unknown_and_stale_feeds() -> None:
    assert adaptive_interval(HOUR, [], NOW, BOUNDS) == HOUR
    assert adaptive_interval(timedelta(days=3), [], NOW, BOUNDS) == BOUNDS.max_interval
    stale = [NOW - timedelta(days=30), NOW - timedelta(days=9)]
    assert adaptive_interval(HOUR, stale, NOW, BOUNDS) == BOUNDS.max_interval
    assert adaptive_interval(HOUR, [NOW - timedelta(days=2)], NOW, BOUNDS) == BOUNDS.max_interval


def test_hint_raises_but_never_past_max() -> None:
    times = spaced(200, timedelta(minutes=20))
    plain = adaptive_interval(HOUR, times, NOW, BOUNDS)
    assert plain < HOUR
    assert adaptive_interval(HOUR, times, NOW, BOUNDS, hint=2 * HOUR) == 2 * HOUR
    assert adaptive_interval(HOUR, times, NOW, BOUNDS, hint=timedelta(minutes=1)) == plain
    assert (
        adaptive_interval(HOUR, times, NOW, BOUNDS, hint=timedelta(days=9)) == BOUNDS.max_interval
    )


def test_future_and_naive_times_do_not_break_it() -> None:
    times = [NOW + HOUR, datetime(2025, 3, 10, 11, 0), NOW - timedelta(hours=3)]
    interval = adaptive_interval(HOUR, times, NOW, BOUNDS)
    assert BOUNDS.min_interval <= interval <= BOUNDS.max_interval


def test_custom_bounds() -> None:
    bounds = ScheduleBounds(min_interval=timedelta(minutes=30), max_interval=timedelta(hours=6))
    assert (
        adaptive_interval(HOUR, spaced(999, timedelta(minutes=1)), NOW, bounds)
        == bounds.min_interval
    )
    assert adaptive_interval(HOUR, [], NOW, bounds, hint=timedelta(days=1)) == bounds.max_interval
    with pytest.raises(ValueError):
        ScheduleBounds(min_interval=timedelta(hours=2), max_interval=HOUR)


# --- failure_backoff ------------------------------------------------------------------------


def test_backoff_grows_exponentially_then_caps() -> None:
    base = timedelta(minutes=10)
    waits = [failure_backoff(f, base, BOUNDS, jitter=0) for f in range(10)]
    assert waits[:4] == [base, base * 2, base * 4, base * 8]
    assert all(a <= b for a, b in itertools.pairwise(waits))
    assert waits[-1] == BOUNDS.max_interval
    assert failure_backoff(1e9, base, BOUNDS, jitter=0) == BOUNDS.max_interval


def test_backoff_weights() -> None:
    base = timedelta(minutes=10)
    soft_twice = 2 * FAILURE_WEIGHTS["soft"]
    assert failure_backoff(soft_twice, base, BOUNDS, jitter=0) == failure_backoff(
        FAILURE_WEIGHTS["hard"], base, BOUNDS, jitter=0
    )
    temporary = failure_backoff(FAILURE_WEIGHTS["temporary"], base, BOUNDS, jitter=0)
    assert base < temporary < 2 * base
    assert FAILURE_WEIGHTS["hard"] > FAILURE_WEIGHTS["soft"] > FAILURE_WEIGHTS["temporary"]


def test_backoff_jitter_spreads_but_respects_bounds() -> None:
    rng = random.Random(7)
    base = timedelta(minutes=10)
    capped = [failure_backoff(20, base, BOUNDS, jitter=0.2, rng=rng) for _ in range(200)]
    assert all(BOUNDS.max_interval * 0.8 <= w <= BOUNDS.max_interval for w in capped)
    assert len(set(capped)) > 100
    assert failure_backoff(0, timedelta(minutes=1), BOUNDS, rng=rng) >= BOUNDS.min_interval
    with pytest.raises(ValueError):
        failure_backoff(1, base, BOUNDS, jitter=1.5)
