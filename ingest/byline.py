"""The byline of a page that declares no author: trafilatura's guess, in one walk of the page.

trafilatura's ``extract_author`` takes, on a copy of the page with comment sections, sidebars,
share rows, dates and figures pruned, the first element with a short text that one of its three
rules matches, most specific rule first. It deep-copies and prunes the whole page, then runs
each rule's XPath over all of it (about 9 ms a page: the copy, and XPaths testing a dozen
attributes of every element). Here its rules (``trafilatura.xpaths.AUTHOR_XPATHS`` and
``AUTHOR_DISCARD_XPATHS``) are applied in one walk of the page that tests each distinct class
or id once and stops at the first rule-0 byline; only a candidate with pruned markup inside is
copied and pruned. The result is trafilatura's: the tests compare the two, so a trafilatura
release that changes its rules shows there.
"""

from __future__ import annotations

import re
from copy import deepcopy
from functools import lru_cache
from typing import Any

from trafilatura.metadata import extract_author, normalize_authors
from trafilatura.utils import trim
from trafilatura.xml import delete_element

BYLINE_MAX_CHARS = 120
_RULE_TAGS = (
    frozenset({"a", "address", "div", "link", "p", "span", "strong"}),
    frozenset({"a", "div", "h3", "h4", "p", "span"}),
)
_PRUNED_TAGS = frozenset({"a", "div", "section", "span"})
_PRUNED_ANYWAY = frozenset({"time", "figure"})
# What a class or id makes of an element, as bits: pruned (if of ``_PRUNED_TAGS``), candidate
# of rule 0 (if of ``_RULE_TAGS[0]``), of rule 1 (if of ``_RULE_TAGS[1]``), of rule 2.
_PRUNED, _RULE0, _RULE1, _RULE2 = 1, 2, 4, 8
# (bit, values that set it, pattern found in a value that sets it)
_MarkRules = tuple[tuple[int, frozenset[str], re.Pattern[str] | None], ...]
_CLASS_RULES: _MarkRules = (
    (
        _PRUNED,
        frozenset({"comments", "title", "date"}),
        re.compile(
            "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
            "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
        ),
    ),
    (_RULE0, frozenset({"author"}), re.compile("author-?name|AuthorName|authorName")),
    (
        _RULE1,
        frozenset({"byline", "username", "byl", "BBL"}),
        re.compile(
            "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
        ),
    ),
    (_RULE2, frozenset(), re.compile("[Aa]uthor|screenname|writer|[Bb]yline")),
)
_ID_RULES: _MarkRules = (
    (_PRUNED, frozenset({"comments"}), re.compile("^comments|comment-?list|ProductReviews")),
    (_RULE0, frozenset({"author"}), None),
    (_RULE1, frozenset(), re.compile("author|zuozhe|bianji|xiaobian")),
    (_RULE2, frozenset(), re.compile("[Aa]uthor")),
)
_OTHER_ATTRIBUTES = frozenset({"itemprop", "rel", "data-testid", "data-component"})


def _value_marks(value: str, rules: _MarkRules) -> int:
    marks = 0
    for bit, values, pattern in rules:
        if value in values or (pattern is not None and pattern.search(value)):
            marks |= bit
    return marks


# A site's pages share their class names and most ids: each is tested once.
@lru_cache(maxsize=16384)
def _class_marks(cls: str) -> int:
    return _value_marks(cls, _CLASS_RULES)


@lru_cache(maxsize=16384)
def _id_marks(ident: str) -> int:
    return _value_marks(ident, _ID_RULES)


def _other_marks(element: Any) -> int:
    """The bits of the rules' rarer attributes: itemprop, rel, data-testid, data-component."""
    itemprop, component = element.get("itemprop") or "", element.get("data-component") or ""
    marks = _RULE1 | _RULE2 if "author" in itemprop else 0
    if (
        itemprop == "author name"
        or element.get("rel") == "author"
        or element.get("data-testid") in ("AuthorCard", "AuthorURL")
    ):
        marks |= _RULE0
    if "Figure" in component:
        marks |= _PRUNED
    if "Byline" in component:
        marks |= _RULE2
    return marks


def _marks(element: Any) -> int:
    cls, ident = element.get("class"), element.get("id")
    marks = _class_marks(cls) if cls else 0
    if ident:
        marks |= _id_marks(ident)
    if not _OTHER_ATTRIBUTES.isdisjoint(element.keys()):
        marks |= _other_marks(element)
    return marks


def _is_pruned(tag: str, marks: int) -> bool:
    return tag in _PRUNED_ANYWAY or bool(marks & _PRUNED and tag in _PRUNED_TAGS)


def _rule(tag: str, marks: int) -> int | None:
    """The most specific rule that makes an element a byline candidate, if any.

    An element a later rule matches too is not tried again there: its text is the same.
    """
    if tag == "author" or (marks & _RULE0 and tag in _RULE_TAGS[0]):
        return 0
    if marks & _RULE1 and tag in _RULE_TAGS[1]:
        return 1
    return 2 if marks & _RULE2 else None


def _pruned_parts(element: Any) -> list[Any]:
    """The elements inside ``element`` that trafilatura prunes before reading bylines."""
    return [
        part
        for part in element.iterdescendants()
        if isinstance(part.tag, str) and _is_pruned(part.tag, _marks(part))
    ]


def _byline(element: Any) -> str | None:
    """The element's text as trafilatura reads it on its pruned page, if byline-sized."""
    if _pruned_parts(element):
        element = deepcopy(element)
        for part in _pruned_parts(element):
            delete_element(part)  # keeps its tail text, as trafilatura's pruning does
    text = trim(" ".join(element.itertext()))
    return text if 2 < len(text) < BYLINE_MAX_CHARS else None


def guess_byline(tree: Any) -> str | None:
    """The author named in the page's byline markup, as trafilatura's ``extract_author`` has it."""
    if next(tree.iter("rel"), None) is not None:
        # trafilatura's first rule also reads a <rel> child (its ``rel='me'``); not HTML, so
        # such a page is left to trafilatura itself
        return extract_author(tree)
    pruned: set[Any] = set()
    later: tuple[list[Any], list[Any]] = ([], [])  # rule 1 and rule 2 candidates
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        marks = _marks(element)
        if not marks and tag not in _PRUNED_ANYWAY and tag != "author":
            continue
        if _is_pruned(tag, marks):
            pruned.add(element)
        rule = _rule(tag, marks)
        if rule == 0:
            # rule 0 goes first, in page order: its first byline is the answer, and whether it
            # lies in a pruned part is known, the ancestors coming before it
            if element not in pruned and pruned.isdisjoint(element.iterancestors()):
                text = _byline(element)
                if text is not None:
                    return normalize_authors(None, text)
        elif rule is not None:
            later[rule - 1].append(element)
    for candidates in later:
        for element in candidates:
            if element not in pruned and pruned.isdisjoint(element.iterancestors()):
                text = _byline(element)
                if text is not None:
                    return normalize_authors(None, text)
    return None
