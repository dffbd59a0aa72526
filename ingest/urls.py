"""Canonical article URLs: one spelling per article, so the URL can be its unique key.

The same story reaches us as ``HTTPS://Example.com:443/a?utm_source=tg&b=2#top`` from one feed
and ``https://example.com/a?b=2`` from another. ``canonical_url`` folds such variants together
without guessing: only parts that never select a different document are changed (scheme and host
case, IDNA, default port, fragment, tracking parameters, parameter order, percent-escape
spelling); the path keeps its case and trailing slash, because servers may treat them as
different pages.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

import idna

MAX_URL_LENGTH = 2048

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Tracking parameters, after courlan's TRACKERS_RE (which follows AdGuard's and ClearURLs'
# lists). Only courlan's anchored alternatives are taken: its unanchored one also matches
# "cid", "eid", "uid", "ref..." anywhere in a name, and some sites address articles by "cid".
_TRACKING = re.compile(
    r"(?:dc|fbc|gc|twc|yc|ysc)lid"
    r"|(?:click|gbra|msclk|igsh|partner|wbra)id"
    r"|(?:ads?|mc|ga|gs|itm|mkt|ml|mtm|oly|pk|utm|vero|hsa)_\w*"
    r"|_ga|_gl|_hsenc|_hsmi|_openstat|mkt_tok|xtor|ref_?src|ref_url"
)

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$'()*+,;=-._~?"  # "&" and "=" are structure in a query; kept escaped


class BadURL(ValueError):
    """The string is not an http(s) URL vistka can fetch or key."""


def _pct(part: str, safe: str) -> str:
    """One spelling of percent-escapes (RFC 3986 §6.2.2): non-ASCII escaped as UTF-8,
    escapes upper-case, escaped unreserved characters decoded."""
    escaped = quote(part, safe=safe, encoding="utf-8", errors="strict")

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PCT.sub(fix, escaped)


def _ascii_host(host: str) -> str:
    """Lower-case ASCII host; IPv6 literals compressed, without brackets."""
    host = host.rstrip(".").lower()
    if not host:
        raise BadURL("URL has no host")
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host).compressed
        except ValueError as exc:
            raise BadURL(f"bad IPv6 host {host!r}") from exc
    if host.isascii():
        if not re.fullmatch(r"[a-z0-9._-]+", host):
            raise BadURL(f"bad host name {host!r}")
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise BadURL(f"host {host!r} cannot be IDNA-encoded") from exc


def _split(url: str, base: str | None) -> SplitResult:
    # Browsers (WHATWG URL) drop tabs and newlines anywhere in a URL; feeds wrap long links.
    url = re.sub(r"[\t\r\n]", "", url).strip()
    if base:
        url = urljoin(base.strip(), url)
    if len(url) > MAX_URL_LENGTH:
        raise BadURL(f"URL longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise BadURL("URL contains control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"unparseable URL: {exc}") from exc
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise BadURL(f"not an http(s) URL: scheme {parts.scheme or 'missing'!r}")
    if parts.username is not None or parts.password is not None:
        raise BadURL("URL carries user credentials")
    if port == 0:
        raise BadURL("URL has port 0")
    return parts


def host_of(url: str) -> str:
    """The host of an http(s) URL, lower-case and IDNA-encoded, without port."""
    return _ascii_host(_split(url, None).hostname or "")


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host, no credentials, at most 2048 characters."""
    try:
        host_of(url)
    except BadURL:
        return False
    return True


def _query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, eq, value = pair.partition("=")
        name = _pct(name, _QUERY_SAFE)
        plain_name = _PCT.sub(lambda m: chr(int(m.group(1), 16)), name).lower()
        if _TRACKING.fullmatch(plain_name):
            continue
        kept.append(name + eq + _pct(value, _QUERY_SAFE))
    return "&".join(sorted(kept))


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of an http(s) URL (resolved against ``base`` when relative).

    Raises BadURL for anything :func:`is_http_url` rejects.
    """
    parts = _split(url, base)
    scheme = parts.scheme.lower()
    host = _ascii_host(parts.hostname or "")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    try:
        path = _pct(parts.path or "/", _PATH_SAFE)
        query = _query(parts.query)
    except UnicodeError as exc:
        raise BadURL(f"URL has unencodable characters: {exc}") from exc
    # urljoin against the root removes "." and ".." segments (RFC 3986 §5.2.4).
    path = urlsplit(urljoin("http://h/", path)).path or "/"
    # "#!" marks AJAX-crawlable state that selects content; other fragments never reach a server.
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    return urlunsplit((scheme, netloc, path, query, fragment))


def url_key(url: str) -> str:
    """SHA-256 hex of :func:`canonical_url`: the unique key of an article."""
    return hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()
