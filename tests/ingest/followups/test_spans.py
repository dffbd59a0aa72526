from __future__ import annotations

from datetime import date

from ingest.followups.spans import (
    DayRange,
    MonthPart,
    Season,
    Shift,
    Span,
    Weekday,
    candidates,
    choose,
)

SATURDAY = date(2026, 1, 3)


def pick(
    when: DayRange | MonthPart | Season | Shift | Weekday, mode: str, today: date = SATURDAY
) -> Span | None:
    return choose(candidates(when, today), today, mode)  # type: ignore[arg-type]


def test_yearless_day_follows_the_tense() -> None:
    sixth = DayRange(6, 1, 6, 1)
    assert pick(sixth, "future") == Span(date(2026, 1, 6), date(2026, 1, 6))
    december = DayRange(28, 12, 28, 12)
    assert pick(december, "past") == Span(date(2025, 12, 28), date(2025, 12, 28))
    assert pick(december, "nearest") == Span(date(2025, 12, 28), date(2025, 12, 28))
    assert pick(december, "future") == Span(date(2026, 12, 28), date(2026, 12, 28))


def test_year_rolls_over_late_in_december() -> None:
    assert pick(DayRange(8, 1, 8, 1), "future", date(2025, 12, 29)).start == date(2026, 1, 8)  # type: ignore[union-attr]


def test_ranges_across_the_new_year() -> None:
    span = pick(DayRange(30, 12, 2, 1), "future", date(2025, 12, 1))
    assert span == Span(date(2025, 12, 30), date(2026, 1, 2))


def test_weekdays() -> None:
    assert pick(Weekday(3), "future") == Span(date(2026, 1, 8), date(2026, 1, 8))
    assert pick(Weekday(3), "past") == Span(date(2026, 1, 1), date(2026, 1, 1))
    assert pick(Weekday(5, "next"), "past") == Span(date(2026, 1, 10), date(2026, 1, 10))
    assert pick(Weekday(4, "last"), "future") == Span(date(2026, 1, 2), date(2026, 1, 2))


def test_relative_units() -> None:
    assert pick(Shift("week", 1), "future") == Span(date(2026, 1, 5), date(2026, 1, 11))
    assert pick(Shift("month", 1), "future") == Span(date(2026, 2, 1), date(2026, 2, 28))
    assert pick(Shift("month", 0, "late"), "future") == Span(date(2026, 1, 21), date(2026, 1, 31))
    assert pick(Shift("day", 2), "past") == Span(date(2026, 1, 5), date(2026, 1, 5))


def test_month_parts_and_seasons() -> None:
    assert pick(MonthPart(2, None, "early"), "future") == Span(date(2026, 2, 1), date(2026, 2, 10))
    assert pick(MonthPart(2, 2028), "past") == Span(date(2028, 2, 1), date(2028, 2, 29))
    autumn = pick(Season(3), "future")
    assert autumn == Span(date(2026, 9, 1), date(2026, 11, 30))
    winter = pick(Season(0), "nearest")
    assert winter == Span(date(2025, 12, 1), date(2026, 2, 28))
