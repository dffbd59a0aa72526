"""One fetched page → the article: clean text plus the metadata a news service files it under.

trafilatura finds the article body; it is run in precision mode without comments because news
pages carry more chrome around less text than the pages it is tuned on. What it still lets
through on news pages are one-line templates inside the article container: the headline
repeated, a date stamp, a navigation row, "Read also: <headline>" and subscribe calls. Those
are removed here by their shape; templates particular to one site are learned across its
pages by ``ingest.boilerplate``. Metadata comes from the page's own declarations first
(``ingest.metadata``), trafilatura's guesses second, the feed item last. trafilatura is asked
only about what the page leaves out: the byline when no author is declared (its rules, applied
here in one walk of the page), and, when title or date is missing, what its metadata pass gives
for the fields used here, without computing the others.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

import trafilatura
from htmldate import find_date
from trafilatura.metadata import (
    examine_meta,
    extract_catstags,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params, use_config
from trafilatura.utils import load_html

from ingest.byline import guess_byline
from ingest.metadata import PageMeta, detect_language, parse_datetime, read_metadata

EXTRACTOR = "trafilatura"
EXTRACTOR_VERSION = f"trafilatura {trafilatura.__version__}+vistka3"

# Pages above this size are almost all inline scripts; past it even without them, refuse.
MAX_HTML_CHARS = 3_000_000
# trafilatura's cap on elements in the extracted body; the largest real article in the
# extraction benchmark has 612, a runaway listing page tens of thousands.
MAX_TREE_SIZE = 5000

# Fewer words than this is a menu item or a caption, not an article; the shortest agency
# brief in the loopback site corpus has 13.
MIN_TEXT_WORDS = 5

# trafilatura's comparison with readability and jusText rescues extractions its own rules left
# thin; on a full article it costs about as much as the main extractor and changes nothing.
# It runs only when the main extractor's text is shorter than this: twice trafilatura's own
# minimum size. On the 181 pages of the extraction benchmark every rescued page had under 450
# characters from the main extractor (F1 0.969 with the rule, 0.965 always comparing).
COMPARE_BELOW_CHARS = 2 * 250

_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
_CONFIG.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_HTML_CHARS * 4))

_SCRIPTS = re.compile(r"<(script|style|svg)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"<\s*(html|head|body|div|p|article|main|section|span|h[1-6]|table)\b", re.I)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NORM = re.compile(r"[\W_]+", re.UNICODE)
_NORM_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # what ``_norm`` keeps, as its words
# Labels that open an in-body link to another story or a call to follow the outlet; matched
# only on short lines, so an article sentence that starts the same way survives.
_TEMPLATE_LINE = re.compile(
    r"^\W*(?:"
    r"(?:читайте|дивіться|дивітся|смотрите|читати|читать)\s+(?:також|также|більше|еще|ще)"
    r"|(?:також|также)\s+(?:читайте|дивіться|смотрите)|по\s+темі|по\s+теме"
    r"|read\s+(?:also|more)|see\s+also|related(?:\s+(?:articles?|stories|news))?\s*:"
    r"|(?:підписуйтесь|підпишіться|подписывайтесь|подпишитесь|приєднуйтесь|присоединяйтесь"
    r"|subscribe|follow\s+(?:us|our))\b.*\b(?:telegram|телеграм|канал|channel|newsletter"
    r"|розсилк|рассылк|facebook|twitter|instagram|viber|whatsapp|youtube)"
    r")",
    re.IGNORECASE | re.UNICODE,
)
_TEMPLATE_MAX_WORDS = 25
_NAV_MARKS = "|/•·»›>"
_NAV_SEPARATORS = re.compile(rf"\s+[{re.escape(_NAV_MARKS)}]\s+")


class ExtractionError(Exception):
    """The page yields no article; ``reason`` is a short code the pipeline records."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedHint:
    """What the feed item said about the article: the fallback for the page's metadata."""

    title: str | None = None
    published_at: datetime | None = None
    summary: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Extracted:
    """A page's article: text as paragraphs joined by newlines, and what it is filed under."""

    text: str
    title: str | None
    author: str | None
    published_at: datetime | None
    language: str | None
    canonical_url: str | None
    description: str | None
    tags: tuple[str, ...]
    image: str | None
    alternates: tuple[tuple[str, str], ...]
    extractor: str
    extractor_version: str


def _norm(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def _is_title(line: str, titles: set[str], first_words: set[str]) -> bool:
    """Whether ``_norm(line)`` is one of ``titles``, whose first words are ``first_words``.

    Normalising every paragraph is most of the cleaning's cost; the first word, found at the
    start of the line, rules out nearly all of them.
    """
    lowered = line.lower()
    first = _NORM_TOKEN.search(lowered)
    return (
        first is not None
        and first.group() in first_words
        and _NORM.sub(" ", lowered).strip() in titles
    )


def _is_nav_row(line: str) -> bool:
    """Four or more items of up to three words each, between separators like " | " or " › "."""
    if sum(map(line.count, _NAV_MARKS)) < 3:
        return False  # fewer than three separators: the cheap test for nearly every line
    parts = _NAV_SEPARATORS.split(line)
    return len(parts) >= 4 and all(0 < len(p.split()) <= 3 for p in parts)


def _is_template_line(line: str, titles: set[str], first_words: set[str]) -> bool:
    """A line that, by its shape alone, belongs to the page's chrome rather than the story."""
    if line.startswith("|"):
        return False
    if not _WORD.search(line):
        return len(line) < 80
    if _is_title(line, titles, first_words):
        return True
    if _TEMPLATE_LINE.match(line) and len(_WORD.findall(line)) <= _TEMPLATE_MAX_WORDS:
        return True
    return _is_nav_row(line)


def clean_text(text: str, titles: set[str]) -> str:
    """The extracted text without template lines; ``titles`` are the headline's normalised forms."""
    first_words = {title.split(" ")[0] for title in titles}
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(
        line for line in lines if line and not _is_template_line(line, titles, first_words)
    )


def _bounded(html: str) -> str:
    if len(html) <= MAX_HTML_CHARS:
        return html
    slim = _SCRIPTS.sub("", html)
    if len(slim) > MAX_HTML_CHARS:
        raise ExtractionError("too_large", f"{len(html)} characters")
    return slim


def _body(tree: Any, url: str) -> Any:
    """trafilatura's body, its external comparison only for a thin first result."""
    doc = _run_trafilatura(tree, url, fast=True)
    if doc is None or len(doc.text or "") < COMPARE_BELOW_CHARS:
        doc = _run_trafilatura(tree, url)
    if doc is None or not doc.text:
        doc = _run_trafilatura(tree, url, precision=False)
    return doc


def _run_trafilatura(tree: Any, url: str, precision: bool = True, fast: bool = False) -> Any:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=precision,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        fast=fast,
        config=_CONFIG,
    )


def _guessed_metadata(tree: Any, url: str, meta: PageMeta) -> Document:
    """trafilatura's guesses, only for what the page does not declare.

    Its metadata pass costs more than the body extraction on news pages: it computes every
    field, and htmldate's extensive search reaches dateparser, which tries every locale. Most
    news pages declare title and date in JSON-LD or meta tags, which ``read_metadata`` reads;
    then only the byline is guessed, when no author is declared. When title or date is missing,
    ``_head_guess`` asks trafilatura for the fields this module uses.
    """
    if meta.title and meta.published_at:
        guess = Document()
        if not meta.author:
            guess.author = guess_byline(tree)
        return guess
    return _head_guess(tree, url, meta)


def _head_guess(tree: Any, url: str, meta: PageMeta) -> Document:
    """``trafilatura.metadata.extract_metadata`` cut to the fields ``extract_article`` uses.

    Its steps, in its order: its own reading of the head and JSON-LD (it knows meta names
    ``read_metadata`` does not, such as "byl"), the visible title (also used to clean the text),
    then, only for what the page does not declare, the byline, htmldate's date without the
    extensive search and the tags of links to tag pages. Left out: site name, categories and
    license, which are not used. It costs about a third of the whole pass.
    """
    guess = examine_meta(tree)
    if guess.author and " " not in guess.author:
        guess.author = None  # as extract_metadata does: a one-word author there is dropped
    with suppress(Exception):  # as in extract_metadata: its JSON-LD reader fails on odd input
        guess = extract_meta_json(tree, guess)
    guess.title = guess.title or extract_title(tree)
    if not meta.author and not guess.author:
        guess.author = guess_byline(tree)
    if not meta.published_at:
        guess.url = guess.url or extract_url(tree, url)
        guess.date = find_date(tree, **set_date_params(False), url=guess.url)
    if not meta.tags and not guess.tags:
        guess.tags = extract_catstags("tag", tree)
    guess.clean_and_trim()
    return guess


def _published(declared: datetime | None, guessed: str | None, hint: FeedHint) -> datetime | None:
    if declared is not None:
        return declared
    day = parse_datetime(guessed)
    if day is None:
        return hint.published_at
    if hint.published_at is not None and hint.published_at.date() == day.date():
        return hint.published_at
    return day


def extract_article(html: str, url: str, hint: FeedHint | None = None) -> Extracted:
    """The article of ``html`` served at ``url``; ``hint`` fills what the page does not say.

    Raises ExtractionError with reason "not_html", "too_large" or "no_text".
    """
    hint = hint or FeedHint()
    if not html or not _MARKUP.search(html[:200_000]):
        raise ExtractionError("not_html")
    tree = load_html(_bounded(html))
    if tree is None:
        raise ExtractionError("not_html")
    meta = read_metadata(tree, url)
    doc = _body(tree, url)
    text = (
        clean_text(doc.text or "", {_norm(t) for t in (meta.title, hint.title) if t})
        if doc is not None
        else ""
    )
    # counting stops at MIN_TEXT_WORDS: an article's words need not all be listed
    if len(list(islice(_WORD.finditer(text), MIN_TEXT_WORDS))) < MIN_TEXT_WORDS:
        raise ExtractionError("no_text", f"{len(text)} characters extracted")
    guess = _guessed_metadata(tree, url, meta)
    title = meta.title or guess.title or hint.title
    if guess.title and _norm(guess.title) not in {_norm(t) for t in (meta.title, hint.title) if t}:
        text = clean_text(text, {_norm(guess.title)})
    return Extracted(
        text=text,
        title=title,
        author=meta.author or guess.author or hint.author,
        published_at=_published(meta.published_at, guess.date, hint),
        language=detect_language(text, meta.declared_language),
        canonical_url=meta.canonical_url,
        description=meta.description or guess.description or hint.summary,
        tags=meta.tags or tuple(guess.tags or ()),
        image=meta.image or guess.image,
        alternates=meta.alternates,
        extractor=EXTRACTOR,
        extractor_version=EXTRACTOR_VERSION,
    )
