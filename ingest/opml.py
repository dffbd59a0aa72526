"""OPML import and export: how feed lists move between vistka and every feed reader.

An imported OPML file is untrusted XML, so it is parsed with defusedxml: entity declarations
(the way to XML bombs and external entities) are refused outright. Readers nest feeds in
folders to any depth and spell ``xmlUrl`` in several cases; all outlines are walked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree

from ingest.urls import is_http_url

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str | None
    language: str | None = None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _attr(element: ET.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            text = " ".join(value.split())
            return text or None
    return None


def _outlines(element: ET.Element) -> Iterator[ET.Element]:
    for child in element:
        if _local(child.tag) == "outline":
            yield child
            yield from _outlines(child)


def parse_opml(body: bytes) -> list[OpmlFeed]:
    """Every outline with an http(s) ``xmlUrl``, in document order, first of each URL kept.

    Outlines whose ``xmlUrl`` is not an http(s) URL are skipped. Raises ValueError when the
    document is not OPML (not XML, entity declarations, no ``<opml>`` root or no ``<body>``).
    """
    if not body or not body.strip():
        raise ValueError("OPML is empty")
    try:
        root = defusedxml.ElementTree.fromstring(body)
    except defusedxml.DefusedXmlException as exc:
        raise ValueError(f"OPML refused: it declares entities or a DTD ({exc})") from None
    except ET.ParseError as exc:
        raise ValueError(f"OPML is not well-formed XML: {exc}") from None
    if _local(root.tag) != "opml":
        raise ValueError(f"not OPML: the root element is <{_local(root.tag)}>, not <opml>")
    body_element = next((c for c in root if _local(c.tag) == "body"), None)
    if body_element is None:
        raise ValueError("OPML has no <body>")
    feeds: dict[str, OpmlFeed] = {}
    for outline in _outlines(body_element):
        url = _attr(outline, "xmlurl")
        if url is None or url in feeds or not is_http_url(url):
            continue
        title = _attr(outline, "title") or _attr(outline, "text")
        feeds[url] = OpmlFeed(url=url, title=title, language=_attr(outline, "language"))
    return list(feeds.values())


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def render_opml(feeds: Sequence[OpmlFeed], title: str = "vistka feeds") -> str:
    """An OPML 2.0 document listing ``feeds`` flat, each as an ``rss`` outline."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _clean(title)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        name = _clean(feed.title or feed.url)
        outline = ET.SubElement(body, "outline", type="rss", text=name, title=name)
        outline.set("xmlUrl", _clean(feed.url))
        if feed.language:
            outline.set("language", _clean(feed.language))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"
