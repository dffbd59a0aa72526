"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed) to plain values, or a reason they are not.

Every body a poll brings back must end as a ParsedFeed or a NotAFeed with a short reason code,
never another exception: a feed that breaks the parser would otherwise break its poll forever.

feedparser is given a stream, never bytes or a URL: it treats a bare string as a path or a URL
and would read local files or fetch past our SSRF guard. It is also given text we decoded
ourselves, as UTF-8, because its own fallback turns windows-1251 declared as UTF-8 into
windows-1252 mojibake, and it trusts a wrong HTTP charset over bytes that are plainly UTF-8.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import charset_normalizer
import feedparser

from ingest.urls import is_http_url

MAX_ENTRIES = 2000

_MAX_HINT = timedelta(days=365)
_SY_PERIODS = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
    "monthly": timedelta(days=30),
    "yearly": timedelta(days=365),
}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_XML_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.I)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")
# An entity whose value names another entity is how "billion laughs" multiplies; no real feed
# needs one, so such a document is refused before any parser expands anything.
_NESTED_ENTITY = re.compile(
    r"<!ENTITY\s+(?:%\s+)?[^\s>]+\s+([\"'])[^\"']*?[&%][A-Za-z_:][^\"']*\1", re.I
)
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.I | re.S)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LIKELY = ["cp1251", "koi8_r", "koi8_u", "cp866", "mac_cyrillic", "iso8859_5", "cp1252"]
_NUL_SNIFF = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


@dataclass(frozen=True)
class FeedEntry:
    guid: str | None
    url: str | None
    title: str | None
    summary: str | None
    published_at: datetime | None
    author: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    site_url: str | None
    entries: tuple[FeedEntry, ...]
    ttl: timedelta | None
    problem: str | None


class NotAFeed(Exception):
    """The body is no feed; ``reason`` is a short code, ``str()`` a one-line explanation."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


class _TextOf(HTMLParser):
    _SKIP = frozenset({"script", "style", "noscript", "template"})
    _BREAKS = re.compile(r"br|p|div|li|t[rdh]|h[1-6r]|pre|blockquote|section|article|figcaption")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif self._BREAKS.fullmatch(tag):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif self._BREAKS.fullmatch(tag):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _plain(value: Any, html: bool = True) -> str | None:
    """Text without markup, whitespace collapsed; None when nothing is left."""
    if not isinstance(value, str):
        return None
    if html and ("<" in value or "&" in value):
        parser = _TextOf()
        parser.feed(value)
        parser.close()
        value = "".join(parser.parts)
    text = " ".join(value.replace("\x00", "").split())  # PostgreSQL text refuses NUL
    return text or None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _decode(body: bytes, content_type: str) -> tuple[str, str | None]:
    """Text of the body, and a note when the bytes contradicted the declared charset."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, "replace"), None
    for prefix, codec in _NUL_SNIFF:
        if body.startswith(prefix):
            return body.decode(codec, "replace"), None
    decl = _XML_DECL.match(body[:512])
    header = _CHARSET.search(content_type)
    # The XML declaration is written by the feed's generator; the HTTP charset is often a
    # server-wide default (ISO-8859-1), so the declaration is tried first.
    declared = [
        c
        for c in (_codec(decl and decl.group(1).decode()), _codec(header and header.group(1)))
        if c
    ]
    said = declared[0] if declared else None
    non_ascii = len(body.translate(None, bytes(range(0x80))))
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    if bad == 0 or bad * 20 <= non_ascii:
        if said in (None, "utf-8", "ascii") or not non_ascii:
            return text, None
        return text, f"declared {said}, decoded as utf-8"
    for codec in declared:
        if codec in ("utf-8", "ascii"):
            continue
        try:
            return body.decode(codec), None
        except (UnicodeDecodeError, LookupError):
            continue
    codec = _codec(_guess(body)) or "cp1252"
    return body.decode(codec, "replace"), f"declared {said or 'nothing'}, decoded as {codec}"


def _guess(body: bytes) -> str | None:
    anything = charset_normalizer.from_bytes(body).best()
    ours = charset_normalizer.from_bytes(body, cp_isolation=_LIKELY).best()
    # Unrestricted, short Cyrillic text reads as Shift-JIS or a Baltic code page; the code pages
    # of Ukrainian, Russian and English news win unless they read clearly worse.
    if ours and (anything is None or ours.chaos <= anything.chaos + 0.01):
        return ours.encoding
    return anything.encoding if anything else None


def _when(parsed: Any, raw: Any) -> datetime | None:
    if parsed:
        try:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except (TypeError, ValueError):
            pass
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(raw.strip())
        except ValueError:
            return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _link(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        url = urljoin(base, value.strip())
    except ValueError:
        return None
    return url if is_http_url(url) else None


def _text(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return " ".join(value.replace("\x00", "").split()) or None


def _hint(ttl: Any, period: Any, frequency: Any) -> timedelta | None:
    hints = []
    if isinstance(ttl, str) and ttl.strip().isdigit() and 0 < int(ttl) < 10**6:
        hints.append(timedelta(minutes=int(ttl)))
    if isinstance(period, str) and period.strip().lower() in _SY_PERIODS:
        freq = frequency.strip() if isinstance(frequency, str) else "1"
        count = int(freq) if freq.isdigit() and int(freq) > 0 else 1
        hints.append(_SY_PERIODS[period.strip().lower()] / min(count, 10**6))
    return min(max(hints), _MAX_HINT) if hints else None


def _newest(entries: list[FeedEntry]) -> list[FeedEntry]:
    """At most MAX_ENTRIES, the newest by date (undated ones in document order), kept in order."""
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(
        range(len(entries)), key=lambda i: (entries[i].published_at or floor, -i), reverse=True
    )
    return [entries[i] for i in sorted(ranked[:MAX_ENTRIES])]


def _finish(
    title: Any,
    language: Any,
    site: str | None,
    entries: list[FeedEntry],
    ttl: timedelta | None,
    problems: list[str],
) -> ParsedFeed:
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{len(entries)} entries, cut to the newest {MAX_ENTRIES}")
        entries = _newest(entries)
    lang = _text(language)
    return ParsedFeed(
        title=_plain(title),
        language=lang.lower().replace("_", "-") if lang else None,
        site_url=site,
        entries=tuple(entries),
        ttl=ttl,
        problem="; ".join(problems) or None,
    )


def _bozo(exc: Any) -> str:
    return re.sub(r"^<unknown>:", "XML line ", str(exc)) or type(exc).__name__


def _from_feedparser(text: str, url: str, content_type: str, notes: list[str]) -> ParsedFeed:
    data = _XML_DECL_TEXT.sub(r"\1\2utf-8\2", text, count=1).encode("utf-8", "replace")
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    result = feedparser.parse(io.BytesIO(data), response_headers=headers)
    version = result.get("version") or ""
    raw_entries = result.get("entries") or []
    bozo = _bozo(result.get("bozo_exception")) if result.get("bozo") else None
    if not version:
        media = content_type.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml") or _HTML_START.match(text[:4096]):
            raise NotAFeed("html_not_feed", "an HTML page, not a feed")
        if not raw_entries:
            if bozo:
                raise NotAFeed("malformed", f"not well-formed and no feed inside ({bozo})")
            raise NotAFeed("not_a_feed", "XML, but not RSS, RDF or Atom")
    elif bozo and not raw_entries:
        raise NotAFeed("malformed", f"broken {version} feed with no entries ({bozo})")
    feed = result.get("feed") or {}
    entries = []
    for item in raw_entries:
        summary = item.get("summary_detail") or (item.get("content") or [None])[0] or {}
        entries.append(
            FeedEntry(
                guid=_text(item.get("id")),
                url=_link(item.get("link"), url),
                title=_plain(
                    item.get("title"),
                    "html" in (item.get("title_detail") or {}).get("type", "html"),
                ),
                summary=_plain(summary.get("value"), "html" in summary.get("type", "html")),
                # dict.get: FeedParserDict maps a missing "updated" to "published", warning.
                published_at=_when(
                    dict.get(item, "published_parsed") or dict.get(item, "updated_parsed"),
                    dict.get(item, "published") or dict.get(item, "updated"),
                ),
                author=_plain(item.get("author")),
                tags=tuple(
                    dict.fromkeys(
                        t
                        for t in (
                            _text(tag.get("term") or tag.get("label"))
                            for tag in item.get("tags") or []
                        )
                        if t
                    )
                ),
            )
        )
    if bozo:
        notes.insert(0, f"recovered from broken XML: {bozo}")
    ttl = _hint(feed.get("ttl"), feed.get("sy_updateperiod"), feed.get("sy_updatefrequency"))
    return _finish(
        feed.get("title"), feed.get("language"), _link(feed.get("link"), url), entries, ttl, notes
    )


def _from_json(text: str, url: str, notes: list[str]) -> ParsedFeed:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NotAFeed("malformed", f"broken JSON: {exc}") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise NotAFeed("not_a_feed", "JSON, but not a JSON Feed")
    items = doc.get("items")
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or [item.get("author") or {}]
        author = authors[0] if isinstance(authors, list) and authors else {}
        tags = item.get("tags")
        tags = tags if isinstance(tags, list) else []
        summary = item.get("summary") or item.get("content_text")
        entries.append(
            FeedEntry(
                guid=_text(item.get("id")),
                url=_link(item.get("url") or item.get("external_url"), url),
                title=_plain(item.get("title")),
                summary=_plain(summary, False) if summary else _plain(item.get("content_html")),
                published_at=_when(None, item.get("date_published") or item.get("date_modified")),
                author=_plain(author.get("name")) if isinstance(author, dict) else None,
                tags=tuple(dict.fromkeys(t for t in map(_text, tags) if t)),
            )
        )
    return _finish(
        doc.get("title"),
        doc.get("language"),
        _link(doc.get("home_page_url"), url),
        entries,
        None,
        notes,
    )


def parse_feed(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Parse a fetched feed body; ``url`` is the address it came from (the base of relative
    links), ``headers`` the HTTP response headers. Raises NotAFeed, never anything else."""
    if not body or not body.strip():
        raise NotAFeed("empty", "the body is empty")
    content_type = (
        next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "") or ""
    )
    try:
        text, note = _decode(body, content_type)
        text = text.lstrip("\ufeff \t\r\n")  # an XML declaration must come first
        notes = [note] if note else []
        first = _FIRST_ELEMENT.search(text)
        if first and _NESTED_ENTITY.search(text, 0, first.start()):
            raise NotAFeed("entity_expansion", "the DTD declares nested entities (an XML bomb)")
        if text.startswith(("{", "[")):
            return _from_json(text, url, notes)
        return _from_feedparser(text, url, content_type, notes)
    except NotAFeed:
        raise
    except Exception as exc:  # a parser bug must cost one poll its entries, not the poll itself
        raise NotAFeed(
            "parser_error", f"the feed parser failed: {type(exc).__name__}: {exc}"
        ) from exc
