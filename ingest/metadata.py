"""Page metadata a publisher declares for machines: JSON-LD, Open Graph, <meta>, <link>.

trafilatura's own metadata keeps only the calendar date of publication and guesses the rest
from the visible page; a news service needs the time and zone, the canonical address and the
language versions, which publishers state explicitly in the head. This module reads those
declarations and nothing else; choosing between them and the feed's hints is the caller's job.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "blogposting",
        "socialmediaposting",
        "report",
        "webpage",
    }
)
# The elements declarations live in; one walk of the page collects them all (an XPath per kind
# walked the whole tree each time).
_DECLARING_TAGS = ("script", "meta", "link", "time")
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "sailthru.date",
)


@dataclass(frozen=True)
class PageMeta:
    """What the page's head (and a <time> in its body) declares; None where it says nothing."""

    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    alternates: tuple[tuple[str, str], ...] = ()
    declared_language: str | None = None


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as publishers write it, or None; aware when the string has a zone."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if 1990 <= parsed.year <= 2200 else None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _declaring_elements(tree: Any) -> dict[str, list[Any]]:
    """The page's <script>, <meta>, <link> and <time> elements by tag, in document order."""
    found: dict[str, list[Any]] = {tag: [] for tag in _DECLARING_TAGS}
    for element in tree.getroottree().iter(*_DECLARING_TAGS):
        found[element.tag].append(element)
    return found


def _json_ld_objects(scripts: list[Any]) -> Iterator[dict[str, Any]]:
    for script in scripts:
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _is_article(obj: dict[str, Any]) -> bool:
    kinds = obj.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(n, str) and n.lower() in ARTICLE_TYPES for n in names)


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict):
        if value.get("@type") in ("Organization", "NewsMediaOrganization"):
            return []
        value = value.get("name")
    name = _clean(value)
    return [name] if name else []


def _image_url(value: Any) -> str | None:
    if isinstance(value, list):
        return _image_url(value[0]) if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return _clean(value)


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        return [k for k in (_clean(part) for part in value.split(",")) if k]
    if isinstance(value, list):
        return [k for item in value for k in _keywords(item)]
    return []


def _meta_values(metas: list[Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in metas:
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = _clean(meta.get("content"))
        if key and content:
            found.setdefault(key.strip().lower(), []).append(content)
    return found


def _first(elements: list[Any], attribute: str, **required: str) -> str | None:
    """``attribute`` of the first element that has it and the ``required`` attribute values."""
    for element in elements:
        value = element.get(attribute)
        if value is not None and all(element.get(k) == v for k, v in required.items()):
            return str(value)
    return None


def _alternates(links: list[Any], base: str) -> Iterator[tuple[str, str]]:
    """The language versions a page lists: ``<link rel="alternate" hreflang href>``."""
    for link in links:
        hreflang, href = link.get("hreflang"), link.get("href")
        if (
            hreflang is None
            or href is None
            or "alternate" not in (link.get("rel") or "").split(" ")
        ):
            continue
        target = _absolute(href, base)
        if target:
            yield hreflang.strip(), target


def _absolute(url: str | None, base: str) -> str | None:
    if not url:
        return None
    joined = urljoin(base, url.strip())
    return joined if joined.startswith(("http://", "https://")) else None


def read_metadata(tree: Any, url: str) -> PageMeta:
    """Collect the declared metadata of a parsed page (an lxml.html tree) served at ``url``."""
    elements = _declaring_elements(tree)
    article: dict[str, Any] = {}
    for obj in _json_ld_objects(elements["script"]):
        if _is_article(obj):
            for key, value in obj.items():
                article.setdefault(key, value)
    meta = _meta_values(elements["meta"])

    def first_meta(*keys: str) -> str | None:
        for key in keys:
            if meta.get(key):
                return meta[key][0]
        return None

    title = _clean(article.get("headline")) or first_meta("og:title", "twitter:title")
    authors = _names(article.get("author"))
    declared_author = first_meta("author", "article:author")
    author = ", ".join(dict.fromkeys(authors)) if authors else declared_author
    if author and author.startswith(("http://", "https://")):
        author = None

    published = parse_datetime(_clean(article.get("datePublished")))
    for key in DATE_META:
        if published is not None:
            break
        published = parse_datetime(first_meta(key))
    if published is None:
        published = parse_datetime(_first(elements["time"], "datetime"))

    canonical = _first(elements["link"], "href", rel="canonical")
    canonical_url = _absolute(canonical if canonical is not None else first_meta("og:url"), url)

    tags = _keywords(article.get("keywords")) + meta.get("article:tag", [])
    if not tags:
        tags = _keywords(first_meta("keywords", "news_keywords"))

    lang = tree.xpath("/html/@lang") or [first_meta("og:locale", "content-language", "language")]
    declared = (lang[0] or "").replace("_", "-").split("-")[0].strip().lower() or None

    return PageMeta(
        title=title,
        author=author,
        published_at=published,
        description=_clean(article.get("description"))
        or first_meta("og:description", "description", "twitter:description"),
        canonical_url=canonical_url,
        image=_absolute(_image_url(article.get("image")) or first_meta("og:image"), url),
        tags=tuple(dict.fromkeys(tags)),
        alternates=tuple(dict.fromkeys(_alternates(elements["link"], url))),
        declared_language=declared if declared and len(declared) in (2, 3) else None,
    )


_STOPWORD_LINES = {
    "en": "the and of to in is that for on with was as by it at from are be this have",
    "de": "der die und das ist nicht den von zu mit sich des auf für ein eine dem im",
    "fr": "le la les et des est un une du que dans pour pas sur au qui avec",
    "es": "el la los las de que y en un una por con para es del se al",
    "it": "il la che di e un una per non sono del della con nel gli le",
    "pt": "o a os as de que e do da em um uma para com não no na",
    "nl": "de het een en van is dat op te in voor met zijn niet",
    "pl": "i w na nie z się do że to jest jak o po ale od przez",
}
STOPWORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORD_LINES.items()}
LETTER_SCRIPTS = (
    ("\u0370", "\u03ff", "el"),
    ("\u0590", "\u05ff", "he"),
    ("\u0600", "\u06ff", "ar"),
    ("\u0900", "\u097f", "hi"),
    ("\u0e00", "\u0e7f", "th"),
    ("\u10a0", "\u10ff", "ka"),
    ("\u0530", "\u058f", "hy"),
    ("\u3040", "\u30ff", "ja"),
    ("\uac00", "\ud7af", "ko"),
    ("\u4e00", "\u9fff", "zh"),
)


def _cyrillic_language(letters: str) -> str | None:
    count = {ch: letters.count(ch) for ch in "іїєґыэъёўј"}
    ukrainian = count["і"] + count["ї"] + count["є"] + count["ґ"]
    russian = count["ы"] + count["э"] + count["ё"]
    if count["ў"] > max(ukrainian, russian) / 10 and count["і"]:
        return "be"
    if count["ј"]:
        return "sr"
    if ukrainian > russian:
        return "uk"
    if russian:
        return "ru"
    return "bg" if count["ъ"] else None


_LETTER_RUNS = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]+")
_LATIN = re.compile("[a-z\u00c0-\u024f]+")
_SCRIPTS = tuple((re.compile(f"[{low}-{high}]+"), lang) for low, high, lang in LETTER_SCRIPTS)


def _letter_runs(text: str) -> list[str]:
    """The runs of letters in ``text``, as ``_LETTER_RUNS.findall`` finds them.

    Most words are letters alone, which ``str.split`` and ``str.isalpha`` recognise in C; the
    regex, which looks up each character's category, reads only the rest.
    """
    runs: list[str] = []
    for word in text.split():  # whitespace never belongs to a run
        if word.isalpha():
            runs.append(word)
        else:
            runs.extend(_LETTER_RUNS.findall(word))
    return runs


def _letters(runs: list[str]) -> str:
    """The letters (``str.isalpha``) of the text ``runs`` come from, in order.

    Besides letters the runs hold the few numerals that are not decimal digits (½, ²), which the
    rare second pass drops.
    """
    letters = "".join(runs)
    return letters if letters.isalpha() else "".join(ch for ch in letters if ch.isalpha())


def _count(runs: re.Pattern[str], letters: str) -> int:
    """How many of ``letters`` a pattern for runs of one script's letters covers."""
    return sum(map(len, runs.findall(letters)))


def _stopword_language(words: list[str], declared: str | None) -> str | None:
    counts = Counter(words)
    scores = {
        lang: sum(counts[w] for w in stop & counts.keys()) for lang, stop in STOPWORDS.items()
    }
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] >= max(2, len(words) // 20):
        return best
    return declared or (best if scores[best] else None)


def _script_language(letters: str, declared: str | None) -> str | None:
    # Scripts in order of their first letter in the text: ``max`` breaks ties by that order.
    found = sorted(
        (match.start(), lang, _count(pattern, letters))
        for pattern, lang in _SCRIPTS
        if (match := pattern.search(letters))
    )
    if not found:
        return declared
    scripts = {lang: count for _, lang, count in found}
    best = max(scripts, key=lambda lang: scripts[lang])
    if best in ("zh", "ar", "hi") and declared and declared != best:
        return declared
    return best


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the language ``text`` is written in, ``declared`` when it cannot tell.

    Cyrillic languages are told apart by the letters each alone uses (і ї є ґ for Ukrainian,
    ы э ё for Russian), Latin-script ones by their commonest function words; pages often
    declare the site's default language rather than the article's, so the text wins. Only the
    first 20,000 characters are read.
    """
    words = _letter_runs(text[:20000].lower())
    letters = _letters(words)
    if len(letters) < 20:
        return declared
    cyrillic = _count(_CYRILLIC, letters)
    latin = _count(_LATIN, letters)
    if cyrillic >= latin and cyrillic > len(letters) / 3:
        return _cyrillic_language(letters) or declared
    if latin > len(letters) / 2:
        return _stopword_language(words, declared)
    return _script_language(letters, declared)
