"""Text normalisation and shingling shared by the exact and the near-duplicate fingerprints.

Two copies of one story differ in ways that carry no meaning: typographic quotes and
apostrophes (’ ʼ ' `), dash variants, non-breaking and zero-width spaces, soft hyphens, ё/е,
letter case, line wrapping and the tracking parameters of links quoted in the text. Everything
here folds those away so that the hash of the text and its shingles change only when the words do.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import partial

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_APOSTROPHES = "’ʼ‘`´′ʹ‚‛"
_DOUBLE_QUOTES = "″«»„“”‟‹›〝〞＂"
_DASHES = "‐‑‒–—―−⁃﹘﹣－"
_FOLD = str.maketrans(
    {
        **dict.fromkeys(map(ord, _APOSTROPHES), "'"),
        **dict.fromkeys(map(ord, _DOUBLE_QUOTES), '"'),
        **dict.fromkeys(map(ord, _DASHES), "-"),
        ord("ё"): "е",
        ord("ѐ"): "е",
    }
)


def replacer(table: Mapping[int, str | None]) -> Callable[[str], str]:
    """``str.translate(table)`` for a table of a few characters, found by a regular expression.

    ``translate`` looks every character of the text up in the table, in Python's dict (a
    quarter of a millisecond for an article, three times per normalisation); the expression skips
    to the few characters there are to change. Same output.
    """
    found = re.compile("[" + re.escape("".join(map(chr, table))) + "]")
    replacement = {chr(k): v or "" for k, v in table.items()}
    return partial(found.sub, lambda m: replacement[m.group()])


_fold = replacer(_FOLD)
_drop_invisible = replacer(_INVISIBLE)
_URL = re.compile(r"(?:https?://|www\.)[^\s?#\"'<>]+(?:[?#][^\s\"'<>]*)?")
_SPACES = re.compile(r"[^\S\n]+")
_WORD = re.compile(r"\w+(?:'\w+)*")


def _strip_query(match: re.Match[str]) -> str:
    url = match.group(0)
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", url)
    return re.split(r"[?#]", url, maxsplit=1)[0].rstrip("/")


def normalize_text(text: str) -> str:
    """Fold case, compatibility forms, quotes, dashes, ё and spacing; keep one line per paragraph.

    Links keep their host and path only: query strings and fragments are where tracking
    parameters live, and they never tell two stories apart.
    """
    # Folded before NFKC too, which would split the double prime ″ into two primes.
    text = _drop_invisible(unicodedata.normalize("NFKC", _fold(text)))
    text = _fold(text.casefold())
    text = _URL.sub(_strip_query, text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def content_hash(text: str) -> str:
    """SHA-256 hex of the normalised text: equal for exact copies whatever their typography."""
    return normalized_hash(normalize_text(text))


def normalized_hash(normalized: str) -> str:
    """``content_hash`` of a text already normalised (``normalize_text``)."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


def words(normalized: str) -> list[str]:
    """The word tokens of a normalised text; apostrophes stay inside words (прем'єр, don't)."""
    return _WORD.findall(normalized)


def shingles(tokens: list[str], size: int) -> set[str]:
    """Word ``size``-grams; a text shorter than one shingle is a single shingle of all its words."""
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}
