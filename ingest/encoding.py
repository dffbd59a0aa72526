"""Bytes from the web to text, when the declared charset is often wrong.

Ukrainian and Russian sites still serve windows-1251, and both directions of mislabelling are
common: windows-1251 bytes under a UTF-8 header, and UTF-8 bytes under a stale windows-1251
header or meta tag. A strict UTF-8 decode settles the second case, because Cyrillic text in a
single-byte charset is practically never valid UTF-8, while any byte string is "valid"
windows-1251. So valid UTF-8 outranks a declared single-byte charset; otherwise the declaration
is trusted when the bytes decode strictly with it, then detection, then UTF-8 with replacements.
The result never contains NUL characters (they break PostgreSQL text columns).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable

import charset_normalizer

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG Encoding: these labels mean windows-1252 on the web.
_WEB_ALIASES = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "x-cp1251": "cp1251",
    "x-mac-cyrillic": "mac-cyrillic",
}
# Never honoured: UTF-7 smuggles markup past filters; the others are not text encodings.
_REFUSED = {"utf-7", "utf_7", "x-user-defined", "replacement"}
_WIDE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}

_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE)
_META = re.compile(
    rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)"""
    rb"""|<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:+-]+)""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 8192


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset a document declares about itself (meta tag or XML declaration), if any."""
    match = _META.search(body[:_PRESCAN_BYTES])
    if not match:
        return None
    label = match.group(1) or match.group(2)
    return label.decode("ascii", "ignore") or None


def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown or refused."""
    if not label:
        return None
    key = label.strip().lower()
    if key in _REFUSED:
        return None
    key = _WEB_ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return None if name in _REFUSED else name


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode(body: bytes, labels: Iterable[str | None]) -> str:
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_codec, "replace")
    as_utf8 = _strict(body, "utf-8")
    non_ascii = not body.isascii()
    for label in labels:
        codec = _codec(label)
        if codec is None:
            continue
        if codec == "utf-8":
            if as_utf8 is not None:
                return as_utf8
            continue
        if as_utf8 is not None and non_ascii and codec not in _WIDE:
            continue
        text = _strict(body, codec)
        if text is not None:
            return text
    if as_utf8 is not None:
        return as_utf8
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best)
    return body.decode("utf-8", "replace")


def decode_html(body: bytes, content_type: str | None) -> str:
    """HTML bytes to text: BOM, then the Content-Type charset, then the document's own meta."""
    labels = (charset_from_content_type(content_type), meta_charset(body))
    return _decode(body, labels).replace("\x00", "")


def decode_text(body: bytes, declared: str | None) -> str:
    """Text bytes to text: BOM, then ``declared`` (a charset label), then detection."""
    return _decode(body, (declared,)).replace("\x00", "")
