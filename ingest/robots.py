"""robots.txt as a value: where it lives, what it allows, how slowly to go.

Parsing and matching are protego's (it follows RFC 9309: longest match wins, ``*`` and ``$``
patterns, user-agent groups matched on the product token). This module only fixes the shape the
rest of the service uses, so fetching and caching robots.txt stay the workers' business and the
rules can be tested on plain text.

RFC 9309 section 2.3.1.3/2.3.1.4 on fetch outcomes: a 4xx robots.txt means no restrictions
(``Robots.allow_all()``), while a server error or an unreachable host means assume complete
disallow (``Robots.disallow_all()``) until it can be fetched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

# RFC 9309 2.5: crawlers must parse at least 500 KiB; anything beyond may be ignored.
MAX_ROBOTS_CHARS = 500 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


def robots_url(url: str) -> str:
    """The robots.txt URL governing ``url`` (same scheme, host and port; no userinfo)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return urlunsplit((scheme, netloc, "/robots.txt", "", ""))


def _product_token(user_agent: str) -> str:
    """``vistka/0.1 (+https://...)`` -> ``vistka``: groups name the product, not the version."""
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or user_agent


@dataclass(frozen=True)
class Robots:
    """Parsed rules of one robots.txt. ``text`` is kept so the value can be stored and rebuilt."""

    text: str
    _rules: Protego | None = field(default=None, repr=False, compare=False, hash=False)

    @classmethod
    def parse(cls, text: str) -> Robots:
        text = text[:MAX_ROBOTS_CHARS]
        return cls(text=text, _rules=Protego.parse(text))

    @classmethod
    def allow_all(cls) -> Robots:
        return cls(text="")

    @classmethod
    def disallow_all(cls) -> Robots:
        return cls.parse("User-agent: *\nDisallow: /\n")

    def allowed(self, url: str, user_agent: str) -> bool:
        if self._rules is None:
            return True
        return bool(self._rules.can_fetch(url, _product_token(user_agent)))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self._rules is None:
            return None
        delay = self._rules.crawl_delay(_product_token(user_agent))
        return None if delay is None else float(delay)

    @property
    def sitemaps(self) -> tuple[str, ...]:
        return () if self._rules is None else tuple(self._rules.sitemaps)
