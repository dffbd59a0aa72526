"""Why a fetch failed, in a form the scheduler can act on.

Callers do not care about socket exceptions; they care whether to give up on a feed (``hard``),
count a strike against it (``soft``) or simply try again later (``temporary``), and whether the
server asked for a pause (``retry_after``). Every failure of ``Fetcher.get`` is a ``FetchError``
carrying those answers; the subclasses only exist so callers can ``except`` a family.
"""

from __future__ import annotations

import datetime
import email.utils
import time
from typing import Literal

Kind = Literal["hard", "soft", "temporary"]


class FetchError(Exception):
    """A fetch that produced no usable response. ``str(e)`` is a one-line human reason."""

    default_reason = "fetch_failed"
    default_kind: Kind = "temporary"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        kind: Kind | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.reason: str = reason or self.default_reason
        self.kind: Kind = kind or self.default_kind
        self.status: int | None = status
        self.retry_after: float | None = retry_after

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({str(self)!r}, reason={self.reason!r}, kind={self.kind!r}, "
            f"status={self.status!r}, retry_after={self.retry_after!r})"
        )


class BadURL(FetchError):
    """The URL itself is unacceptable: scheme, length, userinfo, syntax."""

    default_reason = "bad_url"
    default_kind: Kind = "hard"


class Blocked(FetchError):
    """The destination address (or port) is not one we may connect to."""

    default_reason = "blocked_address"
    default_kind: Kind = "hard"


class TooLarge(FetchError):
    default_reason = "too_large"
    default_kind: Kind = "soft"


class Deadline(FetchError):
    """The whole fetch, redirects included, ran out of wall time."""

    default_reason = "deadline"
    default_kind: Kind = "temporary"


class TooManyRedirects(FetchError):
    default_reason = "too_many_redirects"
    default_kind: Kind = "soft"


class HTTPStatusError(FetchError):
    """The server answered with a status that carries no usable body."""

    default_kind: Kind = "soft"


def status_kind(status: int) -> Kind:
    """How much a status should count against a source.

    Gone, unauthorized and legally withheld will not fix themselves. 404 often does (a feed
    briefly missing during a CMS deploy), 403 is what anti-bot walls answer, 429 is a request to
    slow down: these are strikes. Server errors are the server's problem of the moment.
    """
    if status in (401, 410, 451):
        return "hard"
    if status >= 500:
        return "temporary"
    return "soft"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110 10.2.3).

    A date in the past means "now" (0.0); anything unparseable is ignored (None).
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # HTTP dates are GMT by definition; "-0000" comes back naive.
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
