from __future__ import annotations

import pytest

from ingest.followups.dates import find_timexes
from ingest.followups.spans import (
    Anchored,
    DayRange,
    Later,
    MonthPart,
    PeriodEnd,
    Season,
    Shift,
    Weekday,
    WholeYear,
)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("відбудеться 9 травня", DayRange(9, 5, 9, 5)),
        ("пройде 2-3 липня 2027 року", DayRange(2, 7, 3, 7, 2027)),
        ("з 10 до 12 серпня", DayRange(10, 8, 12, 8)),
        ("с 30 ноября по 2 декабря", DayRange(30, 11, 2, 12)),
        ("on April 21st, 2026", DayRange(21, 4, 21, 4, 2026)),
        ("between May 4 and 6", DayRange(4, 5, 6, 5)),
        ("on the 3rd of October", DayRange(3, 10, 3, 10)),
        ("на 01.09.2026", DayRange(1, 9, 1, 9, 2026)),
        ("у жовтні", MonthPart(10)),
        ("в середине апреля", MonthPart(4, None, "mid")),
        ("late March 2027", MonthPart(3, 2027, "late")),
        ("навесні", Season(1)),
        ("in the summer of 2027", Season(2, 2027)),
        ("в 2028 году", WholeYear(2028)),
        ("наступного тижня", Shift("week", 1)),
        ("в следующем месяце", Shift("month", 1)),
        ("післязавтра", Shift("day", 2)),
        ("через три дні", Later(days=3)),
        ("in a month", Later(months=1)),
        ("наступної п'ятниці", Weekday(4, "next")),
        ("во вторник", Weekday(1)),
        ("last Sunday", Weekday(6, "last")),
        ("напередодні", Anchored(-1)),
        ("the following day", Anchored(1)),
        ("до кінця року", PeriodEnd("year")),
    ],
)
def test_expressions(text: str, when: object) -> None:
    assert [t.when for t in find_timexes(text)] == [when]


def test_deadlines_and_leads() -> None:
    (deadline,) = find_timexes("рішення мають ухвалити до 5 червня")
    assert deadline.deadline and deadline.lead == "до"
    (moved,) = find_timexes("засідання перенесли з 8 на 15 січня")
    assert moved.moved and moved.when == DayRange(15, 1, 15, 1)


def test_words_that_only_look_like_dates() -> None:
    assert find_timexes("Він may come, і Рада має 450 депутатів, бюджет на наступний рік.") == []
    assert find_timexes("Понеділок почався з новин.") == []


def test_weekday_in_apposition_gives_way_to_the_date() -> None:
    found = find_timexes("У четвер, 8 січня, і в п'ятницю")
    assert [t.when for t in found] == [DayRange(8, 1, 8, 1), Weekday(4)]


@pytest.mark.parametrize(
    ("pattern", "letters"),
    [
        (r"завтра|tomorrow", "TtЗз"),
        (r"(?:на\s+)?наступний\s+тиждень|[ув]\s+наступному|(?:later\s+)?this", "LTltВНУвну"),
    ],
)
def test_first_letters_looks_ahead_at_every_possible_start(pattern: str, letters: str) -> None:
    import re

    from ingest.followups.calendar_words import first_letters

    gated = first_letters(pattern)
    assert gated.startswith("(?=[") and set(gated[4 : gated.index("]")]) == set(letters)
    text = "Завтра, на наступний тиждень, у наступному році, later this week, this, tomorrow"
    assert [m.span() for m in re.finditer(rf"(?i:{gated})", text)] == [
        m.span() for m in re.finditer(rf"(?i:{pattern})", text)
    ]


@pytest.mark.parametrize("pattern", [r"\d+\s+днів", r"(?:на)?", r".*завтра"])
def test_first_letters_leaves_what_it_cannot_tell_as_it_is(pattern: str) -> None:
    from ingest.followups.calendar_words import first_letters

    assert first_letters(pattern) == pattern
