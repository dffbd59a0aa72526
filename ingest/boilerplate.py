"""Site-level boilerplate: lines that recur across the pages of one host are not the article.

A generic extractor sees one page at a time, so a subscribe line, a date stamp or a "Read also:
<headline>" block inside the article body looks like content. Across many pages of one host
they give themselves away by recurring. The pipeline stores, per host, how many pages contained
each line fingerprint; this module only turns text into fingerprints and, given those counts,
drops the recurring lines. It keeps no state of its own.

Two kinds of key are produced for a line:
- ``l:`` the whole line, lower-cased, with digits folded to 0 (so "03.01.2026, 13:05" and
  "Comments (4)" are one template each);
- ``p:`` the label of a short labelled line ("Читайте також: <varying headline>",
  "Tags: ..."), so a template whose tail changes on every page is still learned.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# Below this many pages of a host the counts say too little; trafilatura alone cleans them.
MIN_PAGES = 5
# A line must recur on at least this many pages, and on this share of the host's pages.
# Measured on the loopback site: a language section's template lines recur on 3 of 29 pages,
# while the longest run of an article's own paragraph (agency copies appending the same
# "earlier we reported" line) is 2.
MIN_LINE_PAGES = 3
MIN_SHARE = 0.05
# Labelled lines longer than this are paragraphs that open with a label ("Нагадаємо: ..."),
# never the one-line templates the prefix key is for.
PREFIX_MAX_WORDS = 25
LEAD_MIN_WORDS = 6

_LABEL = re.compile(r"^\s*([^\W\d_][\w'’-]*(?:\s+[\w'’-]+){0,3})\s*[:|»›]\s*\S", re.UNICODE)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class HostStats:
    """Per-host counts the pipeline reads back from the database for one page's fingerprints."""

    pages: int
    line_pages: Mapping[str, int]


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    return _NON_WORD.sub(" ", _DIGIT.sub("0", folded)).strip()


def _digest(kind: str, text: str) -> str:
    return kind + hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


# Both keys of a line are wanted twice: when the page's lines are counted (``fingerprints``) and
# again, a moment later in the same batch, when they are stripped (``strip_boilerplate``).
# Normalising and hashing every line was a tenth of a batch's analysis; a few thousand lines
# cover a batch.
@lru_cache(maxsize=8192)
def _line_key(line: str) -> str | None:
    norm = _normalise(line)
    return _digest("l:", norm) if norm else None


@lru_cache(maxsize=8192)
def _prefix_key(line: str) -> str | None:
    if len(line.split()) > PREFIX_MAX_WORDS:
        return None
    match = _LABEL.match(line)
    if match is None:
        return None
    return _digest("p:", _normalise(match.group(1)))


def fingerprints(text: str) -> list[str]:
    """Distinct keys for the lines of one page's extracted text, in order of first appearance."""
    keys: dict[str, None] = {}
    for line in text.splitlines():
        for key in (_line_key(line), _prefix_key(line)):
            if key:
                keys[key] = None
    return list(keys)


def _recurring(key: str | None, stats: HostStats, threshold: int) -> bool:
    return key is not None and stats.line_pages.get(key, 0) >= threshold


def strip_boilerplate(text: str, stats: HostStats) -> str:
    """``text`` without the lines that recur across the host's pages, its lead paragraph kept."""
    if stats.pages < MIN_PAGES:
        return text
    threshold = max(MIN_LINE_PAGES, math.ceil(MIN_SHARE * stats.pages))
    lines = [line for line in text.splitlines() if line.strip()]
    exact = [_recurring(_line_key(line), stats, threshold) for line in lines]
    candidates = [i for i, line in enumerate(lines) if not exact[i]]
    lead = next((i for i in candidates if len(lines[i].split()) >= LEAD_MIN_WORDS), None)
    if lead is None and candidates:
        lead = candidates[0]
    kept = [
        line
        for i, line in enumerate(lines)
        if i == lead or not (exact[i] or _recurring(_prefix_key(line), stats, threshold))
    ]
    return "\n".join(kept)
