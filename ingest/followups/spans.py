"""What a time expression means, and the calendar spans it can stand for.

A news sentence rarely names a year: "6 січня", "у четвер", "восени" each fit several spans,
and only the tense of the sentence says which one the writer meant. So every expression is
first turned into a small value (``When``) and then into *candidate* spans around the
publication date; ``choose`` picks one for a tense. Expressions that are fixed by the
publication date alone ("завтра", "наступного тижня") have a single candidate.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Mode = Literal["future", "past", "nearest"]
Part = Literal["whole", "early", "mid", "late", "last", "first-half", "second-half"]
Unit = Literal["day", "week", "weekend", "month", "year"]


@dataclass(frozen=True)
class Span:
    start: date
    end: date


@dataclass(frozen=True)
class DayRange:
    """One day or a run of days; ``year`` is None when the text gave none."""

    first_day: int
    first_month: int
    last_day: int
    last_month: int
    year: int | None = None


@dataclass(frozen=True)
class MonthPart:
    month: int
    year: int | None = None
    part: Part = "whole"


@dataclass(frozen=True)
class Season:
    season: int  # 0 winter, 1 spring, 2 summer, 3 autumn
    year: int | None = None


@dataclass(frozen=True)
class WholeYear:
    year: int


@dataclass(frozen=True)
class Shift:
    """The calendar unit ``amount`` units from the publication date: 1 day = tomorrow.
    ``part`` narrows a month ("наприкінці наступного місяця")."""

    unit: Unit
    amount: int
    part: Part = "whole"


@dataclass(frozen=True)
class Later:
    """A single day a stated distance ahead ("через два тижні", "in a month")."""

    days: int = 0
    months: int = 0


@dataclass(frozen=True)
class Weekday:
    weekday: int
    direction: Literal["next", "last"] | None = None


@dataclass(frozen=True)
class PeriodEnd:
    """The last day of the current week, month or year ("до кінця місяця")."""

    unit: Unit


@dataclass(frozen=True)
class Soon:
    """An undated "in the coming days": the publication date and a few days after."""

    days: int


@dataclass(frozen=True)
class Anchored:
    """A day counted from another event of the same text ("напередодні" = the day before)."""

    offset: int


When = (
    DayRange
    | MonthPart
    | Season
    | WholeYear
    | Shift
    | Later
    | Weekday
    | PeriodEnd
    | Soon
    | Anchored
)


def is_precise(when: When) -> bool:
    """Whether the span is a stated day or week, not a vague stretch like "у травні"."""
    if isinstance(when, Shift):
        return when.unit in ("day", "week", "weekend")
    return isinstance(when, DayRange | Weekday | Anchored)


def needs_year(when: When) -> bool:
    """True when the text left the year to the reader, so tense has to choose it."""
    if isinstance(when, DayRange | MonthPart | Season):
        return when.year is None
    return isinstance(when, Weekday)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _day_range(when: DayRange, year: int) -> Span | None:
    last_year = year + 1 if when.last_month < when.first_month else year
    try:
        return Span(
            date(year, when.first_month, when.first_day),
            date(last_year, when.last_month, when.last_day),
        )
    except ValueError:
        return None


def _month_part(when: MonthPart, year: int) -> Span:
    end = _month_end(year, when.month)
    bounds = {
        "whole": (1, end.day),
        "early": (1, 10),
        "mid": (11, 20),
        "late": (21, end.day),
        "last": (end.day, end.day),
        "first-half": (1, 15),
        "second-half": (16, end.day),
    }
    first, last = bounds[when.part]
    return Span(date(year, when.month, first), date(year, when.month, last))


def _season(when: Season, year: int) -> Span:
    if when.season == 0:
        return Span(date(year, 12, 1), _month_end(year + 1, 2))
    first = 3 * when.season
    return Span(date(year, first, 1), _month_end(year, first + 2))


def _shift(when: Shift, today: date) -> Span:
    if when.unit == "day":
        day = today + timedelta(days=when.amount)
        return Span(day, day)
    if when.unit in ("week", "weekend"):
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=when.amount)
        first = monday + timedelta(days=5) if when.unit == "weekend" else monday
        return Span(first, monday + timedelta(days=6))
    if when.unit == "month":
        first = _add_months(today.replace(day=1), when.amount)
        return _month_part(MonthPart(first.month, first.year, when.part), first.year)
    year = today.year + when.amount
    return Span(date(year, 1, 1), date(year, 12, 31))


def _weekday(when: Weekday, today: date) -> list[Span]:
    ahead = (when.weekday - today.weekday()) % 7
    behind = (today.weekday() - when.weekday) % 7
    following = today + timedelta(days=ahead or 7)
    if when.direction == "next":
        return [Span(following, following)]
    previous = today - timedelta(days=behind or 7)
    if when.direction == "last":
        return [Span(previous, previous)]
    days = sorted({today - timedelta(days=behind), previous, today + timedelta(days=ahead)})
    return [Span(d, d) for d in days]


def _period_end(unit: Unit, today: date) -> date:
    if unit in ("week", "weekend"):
        return today + timedelta(days=6 - today.weekday())
    if unit == "month":
        return _month_end(today.year, today.month)
    return date(today.year, 12, 31)


def candidates(when: When, today: date, anchor: date | None = None) -> list[Span]:
    """The spans ``when`` may stand for, in calendar order, around the publication date."""
    years = (today.year - 1, today.year, today.year + 1)
    if isinstance(when, DayRange):
        found = [_day_range(when, y) for y in ((when.year,) if when.year else years)]
        return [s for s in found if s is not None]
    if isinstance(when, MonthPart):
        return [_month_part(when, y) for y in ((when.year,) if when.year else years)]
    if isinstance(when, Season):
        return [_season(when, y) for y in ((when.year,) if when.year else years)]
    if isinstance(when, WholeYear):
        return [Span(date(when.year, 1, 1), date(when.year, 12, 31))]
    if isinstance(when, Shift):
        return [_shift(when, today)]
    if isinstance(when, Later):
        day = _add_months(today, when.months) + timedelta(days=when.days)
        return [Span(day, day)]
    if isinstance(when, Weekday):
        return _weekday(when, today)
    if isinstance(when, PeriodEnd):
        end = _period_end(when.unit, today)
        return [Span(end, end)]
    if isinstance(when, Soon):
        return [Span(today, today + timedelta(days=when.days))]
    if anchor is None:
        return []
    day = anchor + timedelta(days=when.offset)
    return [Span(day, day)]


def choose(spans: list[Span], today: date, mode: Mode) -> Span | None:
    """Pick the span a writer meant: the first not yet over for the future, the last already
    begun for the past, otherwise the one nearest the publication date. The tense is trusted
    even when it points almost a year away: "на саміті 18-19 грудня" read on 3 January and
    said in the future is next December's summit."""
    if not spans:
        return None
    spans = sorted(set(spans), key=lambda s: s.start)
    ahead = [s for s in spans if s.end >= today]
    behind = [s for s in spans if s.start <= today]
    if mode == "future" and ahead:
        return ahead[0]
    if mode == "past" and behind:
        return behind[-1]
    return min(spans, key=lambda s: (_distance(s, today), s.start < today))


def _distance(span: Span, today: date) -> int:
    if span.start <= today <= span.end:
        return 0
    return min(abs((span.start - today).days), abs((span.end - today).days))
