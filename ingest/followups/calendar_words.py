"""Month, weekday, season, number and unit words of Ukrainian, Russian and English news.

Kept apart from the grammar so that the patterns in ``dates`` read as structure and a new
spelling or case form is one entry here. Cyrillic forms are matched case-insensitively;
English month names only when capitalised, because "may" and "march" are also common words.
"""

from __future__ import annotations

import re

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


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _cyrillic_month_words() -> list[str]:
    return [w for forms in _CYRILLIC_MONTHS.values() for w in forms]


def _abbreviations() -> list[str]:
    return [w for forms in _CYRILLIC_ABBREVIATIONS.values() for w in forms]


def _english_month_words() -> list[str]:
    return [w for forms in _ENGLISH_MONTHS.values() for w in forms]


MONTH_RE = (
    r"(?:(?i:" + _alternation(_cyrillic_month_words()) + r")\b"
    r"|(?i:" + _alternation(_abbreviations()) + r")\."
    r"|(?:" + _alternation(_english_month_words()) + r")\b\.?)"
)
WEEKDAY_RE = (
    r"(?i:" + _alternation([w for forms in _WEEKDAYS.values() for w in forms]) + r")\b"
)
SEASON_RE = r"(?i:" + _alternation([w for forms in _SEASONS.values() for w in forms]) + r")\b"
NUMBER_RE = r"(?i:\d{1,2}|" + _alternation(list(NUMBER_WORDS)) + r")"
UNIT_RE = r"(?i:" + _alternation(list(UNIT_WORDS)) + r")\b"

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
