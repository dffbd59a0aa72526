"""Month, weekday, season, number and unit words of Ukrainian, Russian and English news.

Kept apart from the grammar so that the patterns in ``dates`` read as structure and a new
spelling or case form is one entry here. Cyrillic forms are matched case-insensitively;
English month names only when capitalised, because "may" and "march" are also common words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from ingest.followups.spans import Anchored, Shift, Soon, When

_CYRILLIC_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("січень", "січня", "січні", "січнем", "январь", "января", "январе", "январём"),
    2: ("лютий", "лютого", "лютому", "лютім", "февраль", "февраля", "феврале"),
    3: ("березень", "березня", "березні", "март", "марта", "марте"),
    4: ("квітень", "квітня", "квітні", "апрель", "апреля", "апреле"),
    5: ("травень", "травня", "травні", "май", "мая", "мае"),
    6: ("червень", "червня", "червні", "июнь", "июня", "июне"),
    7: ("липень", "липня", "липні", "июль", "июля", "июле"),
    8: ("серпень", "серпня", "серпні", "август", "августа", "августе"),
    9: ("вересень", "вересня", "вересні", "сентябрь", "сентября", "сентябре"),
    10: ("жовтень", "жовтня", "жовтні", "октябрь", "октября", "октябре"),
    11: ("листопад", "листопада", "листопаді", "ноябрь", "ноября", "ноябре"),
    12: ("грудень", "грудня", "грудні", "декабрь", "декабря", "декабре"),
}
# Abbreviations are only read with their full stop, so "бер" or "мар" inside prose never match.
_CYRILLIC_ABBREVIATIONS: dict[int, tuple[str, ...]] = {
    1: ("січ", "янв"),
    2: ("лют", "февр", "фев"),
    3: ("бер", "мар"),
    4: ("квіт", "апр"),
    5: ("трав",),
    6: ("черв", "июн"),
    7: ("лип", "июл"),
    8: ("серп", "авг"),
    9: ("вер", "сент", "сен"),
    10: ("жовт", "окт"),
    11: ("лист", "нояб", "ноя"),
    12: ("груд", "дек"),
}
_ENGLISH_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("January", "Jan"),
    2: ("February", "Feb"),
    3: ("March", "Mar"),
    4: ("April", "Apr"),
    5: ("May",),
    6: ("June", "Jun"),
    7: ("July", "Jul"),
    8: ("August", "Aug"),
    9: ("September", "Sept", "Sep"),
    10: ("October", "Oct"),
    11: ("November", "Nov"),
    12: ("December", "Dec"),
}

_WEEKDAYS: dict[int, tuple[str, ...]] = {
    0: ("понеділок", "понеділка", "понеділку", "понедельник", "понедельника", "monday"),
    1: ("вівторок", "вівторка", "вівторку", "вторник", "вторника", "tuesday"),
    2: ("середу", "середа", "середи", "среду", "среда", "среды", "wednesday"),
    3: ("четвер", "четверга", "четверг", "thursday"),
    4: ("п'ятницю", "п'ятниця", "п'ятниці", "пятницу", "пятница", "пятницы", "friday"),
    5: ("суботу", "субота", "суботи", "субботу", "суббота", "субботы", "saturday"),
    6: ("неділю", "неділя", "неділі", "воскресенье", "воскресенья", "sunday"),
}

# Season index: 0 winter (December to February), 1 spring, 2 summer, 3 autumn.
_SEASONS: dict[int, tuple[str, ...]] = {
    0: ("взимку", "зимою", "зимой", "зима", "зиму", "зими", "зимы", "winter"),
    1: ("навесні", "весною", "весной", "весна", "весну", "весни", "весны", "spring"),
    2: ("влітку", "літом", "летом", "літо", "лето", "літа", "лета", "summer"),
    3: ("восени", "осінню", "осенью", "осінь", "осень", "осені", "осени", "autumn", "fall"),
}

NUMBER_WORDS: dict[str, int] = {
    "один": 1, "одну": 1, "одна": 1, "одного": 1, "a": 1, "an": 1, "one": 1,
    "два": 2, "дві": 2, "две": 2, "двох": 2, "two": 2,
    "три": 3, "трьох": 3, "трёх": 3, "трех": 3, "three": 3,
    "чотири": 4, "четыре": 4, "four": 4,
    "п'ять": 5, "пять": 5, "five": 5,
    "шість": 6, "шесть": 6, "six": 6,
    "сім": 7, "семь": 7, "seven": 7,
    "вісім": 8, "восемь": 8, "eight": 8,
    "дев'ять": 9, "девять": 9, "nine": 9,
    "десять": 10, "ten": 10,
}  # fmt: skip

UNIT_WORDS: dict[str, str] = {
    **dict.fromkeys(("день", "дні", "днів", "дня", "дней", "day", "days"), "day"),
    **dict.fromkeys(
        ("тиждень", "тижні", "тижнів", "неделю", "недели", "недель", "week", "weeks"), "week"
    ),
    **dict.fromkeys(
        ("місяць", "місяці", "місяців", "месяц", "месяца", "месяцев", "month", "months"),
        "month",
    ),
}


def alternation(words: Iterable[str]) -> str:
    """One alternation of ``words``, factored by common prefix: ``січ(?:ень|ня)``.

    sre tries the alternatives of a group one after another, so ``січень|січня`` costs two
    tries where the factored form costs one, and a month name is tried at every word of a
    sentence. The matches are those of the plain alternation, longest word first: a longer
    word is tried before any word that is its prefix, and words that are not prefixes of one
    another never match at the same place.
    """
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branches(tree)


def _branches(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _branches(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body  # greedy: the longer word first


def _cyrillic_month_words() -> list[str]:
    return [w for forms in _CYRILLIC_MONTHS.values() for w in forms]


def _abbreviations() -> list[str]:
    return [w for forms in _CYRILLIC_ABBREVIATIONS.values() for w in forms]


def _english_month_words() -> list[str]:
    return [w for forms in _ENGLISH_MONTHS.values() for w in forms]


def _starts(*word_lists: list[str]) -> str:
    """A word boundary and a look at the first letter before a long alternation of words.

    Python's regex engine tries every alternative at every position of the text; the look-ahead
    rejects most positions at once (about 7× faster over news text, the same matches).
    """
    letters = {w[0] for words in word_lists for w in words}
    letters |= {c.upper() for c in letters} | {c.lower() for c in letters}
    return r"\b(?=[" + re.escape("".join(sorted(letters))) + "])"


def first_letters(pattern: str) -> str:
    """``pattern`` behind a look-ahead at the letters it can start with (either case), when
    those can be told from its parse; else ``pattern`` as it is. The same matches, found
    without trying a long alternation at every position (see ``_starts``)."""
    letters = start_letters(pattern)
    if letters is None:
        return pattern
    return "(?=[" + re.escape(letters) + "])(?:" + pattern + ")"


def start_letters(pattern: str) -> str | None:
    """The characters a match of ``pattern`` can begin with, each in both cases; None when its
    parse cannot tell."""
    letters = _first(sre_parse.parse(pattern))
    if not letters or None in letters:
        return None
    chars = {c for c in letters if c is not None}
    chars |= {c.upper() for c in chars} | {c.lower() for c in chars}
    return "".join(sorted(chars))


def _first(parsed: Any) -> set[str | None]:
    """Characters a match of ``parsed`` can begin with; None stands for "anything"."""
    out: set[str | None] = set()
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            return out | {chr(arg)}
        if op is sre_constants.IN and all(kind is sre_constants.LITERAL for kind, _ in arg):
            return out | {chr(code) for _, code in arg}
        if op is sre_constants.BRANCH:
            return out | set().union(*(_first(branch) for branch in arg[1]))
        if op is sre_constants.SUBPATTERN:
            inner = _first(arg[3])
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            inner = _first(arg[2])
            if arg[0] == 0:  # optional: what follows may come first
                out |= inner
                continue
        elif op is sre_constants.AT:
            continue  # \b and the like take no character
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # neither do look-aheads and look-behinds
        else:
            return {None}
        return out | inner
    return out | {None}  # the pattern can match the empty string


_WHITE_SPACE_RUN = [(sre_constants.IN, [(sre_constants.CATEGORY, sre_constants.CATEGORY_SPACE)])]


def spellings(pattern: str) -> list[str]:
    """Every phrase ``pattern`` spells, with one space where it takes a run of white space.

    For patterns made of words, ``\\s+``, alternatives, optional groups and one-letter sets, as
    ``RELATIVE_PHRASES`` are; anything else raises, so a new phrase cannot silently go unspelled.
    """
    return _spell(sre_parse.parse(pattern), pattern)


def _spell(parsed: Any, pattern: str) -> list[str]:
    out = [""]
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            options = [chr(arg)]
        elif op is sre_constants.IN and all(kind is sre_constants.LITERAL for kind, _ in arg):
            options = [chr(code) for _, code in arg]
        elif op is sre_constants.SUBPATTERN:
            options = _spell(arg[3], pattern)
        elif op is sre_constants.BRANCH:
            options = [s for branch in arg[1] for s in _spell(branch, pattern)]
        elif op is sre_constants.MAX_REPEAT and arg[:2] == (0, 1):
            options = ["", *_spell(arg[2], pattern)]
        elif op is sre_constants.MAX_REPEAT and list(arg[2]) == _WHITE_SPACE_RUN:
            options = [" "]
        else:
            raise ValueError(f"cannot spell out {pattern!r}")
        out = [done + option for done in out for option in options]
    return out


MONTH_RE = _starts(_cyrillic_month_words(), _abbreviations(), _english_month_words()) + (
    r"(?:(?i:" + alternation(_cyrillic_month_words()) + r")\b"
    r"|(?i:" + alternation(_abbreviations()) + r")\."
    r"|(?:" + alternation(_english_month_words()) + r")\b\.?)"
)
_WEEKDAY_WORDS = [w for forms in _WEEKDAYS.values() for w in forms]
_SEASON_WORDS = [w for forms in _SEASONS.values() for w in forms]
WEEKDAY_RE = _starts(_WEEKDAY_WORDS) + r"(?i:" + alternation(_WEEKDAY_WORDS) + r")\b"
SEASON_RE = _starts(_SEASON_WORDS) + r"(?i:" + alternation(_SEASON_WORDS) + r")\b"
NUMBER_RE = r"(?i:\d{1,2}|" + alternation(list(NUMBER_WORDS)) + r")"
UNIT_RE = _starts(list(UNIT_WORDS)) + r"(?i:" + alternation(list(UNIT_WORDS)) + r")\b"

# The same words as lower-case keys for the cue scan in ``dates``: abbreviations keep their stop,
# English month names lose their capital (the grammar still asks for it).
MONTH_KEYS = frozenset(
    [w.lower() for w in _cyrillic_month_words() + _english_month_words()]
    + [w.lower() + "." for w in _abbreviations()]
)
# English month names count only as written ("May", not "may"): the key and its one spelling.
CASED_MONTH_KEYS = {w.lower(): w for w in _english_month_words()}
WEEKDAY_KEYS = frozenset(w.lower() for w in _WEEKDAY_WORDS)
SEASON_KEYS = frozenset(w.lower() for w in _SEASON_WORDS)
UNIT_KEYS = frozenset(w.lower() for w in UNIT_WORDS)

_MONTH_LOOKUP: dict[str, int] = {
    w.casefold(): n
    for table in (_CYRILLIC_MONTHS, _CYRILLIC_ABBREVIATIONS, _ENGLISH_MONTHS)
    for n, forms in table.items()
    for w in forms
}
_WEEKDAY_LOOKUP = {w: n for n, forms in _WEEKDAYS.items() for w in forms}
_SEASON_LOOKUP = {w: n for n, forms in _SEASONS.items() for w in forms}


def month_number(word: str) -> int:
    """1–12 for any spelling matched by ``MONTH_RE``."""
    return _MONTH_LOOKUP[word.casefold().rstrip(".")]


def weekday_number(word: str) -> int:
    """0 (Monday) – 6 (Sunday) for any spelling matched by ``WEEKDAY_RE``."""
    return _WEEKDAY_LOOKUP[word.casefold()]


def season_number(word: str) -> int:
    """0 winter, 1 spring, 2 summer, 3 autumn."""
    return _SEASON_LOOKUP[word.casefold()]


def count_value(word: str | None) -> int:
    """A small count written in digits or words; a missing count means one ("через тиждень")."""
    if not word:
        return 1
    return int(word) if word.isdigit() else NUMBER_WORDS[word.casefold()]


def unit_name(word: str) -> str:
    return UNIT_WORDS[word.casefold()]


# Phrases whose meaning is fixed relative to the publication date or to a nearby event.
RELATIVE_PHRASES: list[tuple[str, When]] = [
    (r"післязавтра|послезавтра|the\s+day\s+after\s+tomorrow", Shift("day", 2)),
    (r"позавчора|позавчера|the\s+day\s+before\s+yesterday", Shift("day", -2)),
    (r"сьогодні|сегодня|today|tonight|this\s+(?:morning|afternoon|evening)", Shift("day", 0)),
    (r"завтра|tomorrow", Shift("day", 1)),
    (r"вчора|учора|вчера|yesterday", Shift("day", -1)),
    (
        r"наступного\s+тижня|на\s+наступному\s+тижні|(?:на\s+)?наступний\s+тиждень"
        r"|на\s+(?:следующей|будущей)\s+неделе|на\s+следующую\s+неделю"
        r"|next\s+week|the\s+following\s+week",
        Shift("week", 1),
    ),
    (
        r"цього\s+тижня|на\s+цьому\s+тижні|на\s+этой\s+неделе|(?:later\s+)?this\s+week",
        Shift("week", 0),
    ),
    (
        r"минулого\s+тижня|на\s+минулому\s+тижні|на\s+прошлой\s+неделе|last\s+week",
        Shift("week", -1),
    ),
    (
        r"на\s+вихідних|у\s+вихідні|в\s+вихідні|цими\s+вихідними|в\s+выходные|на\s+выходных"
        r"|в\s+эти\s+выходные|this\s+weekend|(?:at|over|on)\s+the\s+weekend",
        Shift("weekend", 0),
    ),
    (r"наступних\s+вихідних|в\s+следующие\s+выходные|next\s+weekend", Shift("weekend", 1)),
    (
        r"наступного\s+місяця|[ув]\s+наступному\s+місяці|в\s+следующем\s+месяце|next\s+month"
        r"|the\s+following\s+month",
        Shift("month", 1),
    ),
    (
        r"цього\s+місяця|у\s+цьому\s+місяці|в\s+этом\s+месяце|(?:later\s+)?this\s+month",
        Shift("month", 0),
    ),
    (
        r"минулого\s+місяця|у\s+минулому\s+місяці|в\s+прошлом\s+месяце|last\s+month",
        Shift("month", -1),
    ),
    (
        r"наступного\s+року|[ув]\s+наступному\s+році|в\s+следующем\s+году|next\s+year",
        Shift("year", 1),
    ),
    (r"цього\s+року|у\s+цьому\s+році|в\s+этом\s+году|(?:later\s+)?this\s+year", Shift("year", 0)),
    (
        r"торік|минулого\s+року|у\s+минулому\s+році|в\s+прошлом\s+году|last\s+year",
        Shift("year", -1),
    ),
    (r"напередодні|накануне|the\s+day\s+before|the\s+previous\s+day|on\s+the\s+eve", Anchored(-1)),
    (
        r"наступного\s+дня|на\s+наступний\s+день|на\s+следующий\s+день|the\s+next\s+day"
        r"|the\s+following\s+day|the\s+day\s+after",
        Anchored(1),
    ),
    (r"того\s+ж\s+дня|цього\s+ж\s+дня|в\s+тот\s+же\s+день|the\s+same\s+day", Anchored(0)),
    (
        r"найближчими\s+днями|[ув]\s+найближчі\s+дні|в\s+ближайшие\s+(?:несколько\s+)?дни"
        r"|in\s+the\s+(?:coming|next\s+few)\s+days|over\s+the\s+coming\s+days",
        Soon(7),
    ),
]
