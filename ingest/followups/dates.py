"""Time expressions in one sentence of Ukrainian, Russian or English news.

A small explicit grammar, because the date libraries available offline misread exactly the
forms news uses most: day ranges ("23-24 червня", "June 14 to 16"), yearless dates, parts of
a month, "наступного тижня". Each pattern turns its match into a ``When`` value from
``spans``; the year is not decided here, because that takes the tense of the sentence.
Overlapping matches are settled leftmost-longest, so "з 1 по 20 вересня" wins over
"20 вересня".

Every pattern needs some word of its own (a month name, "тижня", "завтра") or a year in
digits, and most sentences of news have none: ``find_cues`` finds these keys in a whole
article in one pass, and a pattern is tried only on a sentence that has one of its keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from ingest.followups.calendar_words import (
    CASED_MONTH_KEYS,
    MONTH_KEYS,
    MONTH_RE,
    NUMBER_RE,
    RELATIVE_PHRASES,
    SEASON_KEYS,
    SEASON_RE,
    UNIT_KEYS,
    UNIT_RE,
    WEEKDAY_KEYS,
    WEEKDAY_RE,
    alternation,
    count_value,
    month_number,
    season_number,
    spellings,
    start_letters,
    unit_name,
    weekday_number,
)
from ingest.followups.spans import (
    Anchored,
    DayRange,
    Later,
    MonthPart,
    PeriodEnd,
    Season,
    Shift,
    Weekday,
    When,
    WholeYear,
)

Groups = dict[str, str | None]


@dataclass(frozen=True)
class Timex:
    """A time expression at ``start:end`` of its sentence."""

    start: int
    end: int
    when: When
    deadline: bool = False  # "до 5 червня": the day something must be done by
    moved: bool = False  # "з 8 на 15 січня": ``when`` is the new date of a moved event
    lead: str = ""  # the preposition that introduces it ("на", "з", "to"…), lower case


def _day(name: str) -> str:
    return rf"(?<![\d.,:])(?P<{name}>[0-3]?\d)(?!\d)(?:-?(?:го|ого|е|ге)\b|st|nd|rd|th)?"


def _month(name: str) -> str:
    return rf"(?P<{name}>{MONTH_RE})"


def _year(name: str) -> str:
    return (
        rf"(?:,?\s*(?P<{name}>(?:19|20)\d\d)(?!\d)"
        r"(?:\s*(?i:року|році|рік|р\.|года|году|г\.)(?!\w))?)?"
    )


_YEAR_WORD = r"(?i:році|року|году|года|р\.|г\.)(?!\w)"
_TO = r"(?i:по|до|і|и|to|and|until|till|through)"
_PARTS = {
    "first-half": r"у\s+першій\s+половині|в\s+першій\s+половині|в\s+первой\s+половине"
    r"|на\s+першу\s+половину|на\s+первую\s+половину"
    r"|(?:in\s+)?the\s+first\s+half\s+of",
    "second-half": r"у\s+другій\s+половині|в\s+другій\s+половині|во\s+второй\s+половине"
    r"|на\s+другу\s+половину|на\s+вторую\s+половину"
    r"|(?:in\s+)?the\s+second\s+half\s+of",
    "last": r"до\s+кінця|до\s+конца|к\s+концу|by\s+the\s+end\s+of|until\s+the\s+end\s+of",
    "early": r"на\s+початку|на\s+початок|з\s+початку|в\s+начале|в\s+начало|early"
    r"|(?:at\s+)?the\s+(?:start|beginning)\s+of",
    "mid": r"у\s+середині|в\s+середині|посередині|на\s+середину|в\s+середине|в\s+середину"
    r"|mid-?|(?:in\s+)?the\s+middle\s+of",
    "late": r"наприкінці|в\s+кінці|у\s+кінці|на\s+кінець|кінець|в\s+конце|на\s+конец"
    r"|в\s+конец|late|(?:at\s+)?the\s+end\s+of",
}
_PERIOD_WORDS = {
    "тижня": "week", "недели": "week", "week": "week",
    "місяця": "month", "месяца": "month", "month": "month",
    "року": "year", "года": "year", "year": "year",
}  # fmt: skip
_DEADLINE_BEFORE = re.compile(
    r"(?i:\b(?:до|к|by|until|till|before|не\s+пізніше(?:\s+ніж)?|не\s+позднее|no\s+later\s+than))"
    r"\s*$"
)
_WORD_BEFORE = re.compile(r"(\w+)\W*$")
_PREPOSITIONS = {"з", "із", "зі", "с", "від", "от", "на", "у", "в", "во", "до", "к", "по"}
_PREPOSITIONS |= {"from", "between", "in", "on", "for", "to", "until", "till", "by", "during"}
_SLAVIC_SEASON_ADVERBS = {"взимку", "зимою", "зимой", "навесні", "весною", "весной", "влітку"}
_SLAVIC_SEASON_ADVERBS |= {"літом", "летом", "восени", "осінню", "осенью"}


def _range(g: Groups) -> When:
    last_month = month_number(g["m2"] or g["m1"] or "")
    first_month = month_number(g["m1"]) if g["m1"] else last_month
    year = g.get("y") or g.get("y1")
    return DayRange(int(g["d1"] or 0), first_month, int(g["d2"] or 0), last_month,
                    int(year) if year else None)  # fmt: skip


def _single(g: Groups) -> When:
    month = month_number(g["m1"] or "") if not (g["m1"] or "").isdigit() else int(g["m1"] or 0)
    year = g.get("y")
    return DayRange(int(g["d1"] or 0), month, int(g["d1"] or 0), month, int(year) if year else None)


def _month_part(g: Groups) -> When:
    part = next(name for name in _PARTS if g.get(f"p_{name.replace('-', '_')}"))
    year = g.get("y")
    return MonthPart(month_number(g["m"] or ""), int(year) if year else None, part)  # type: ignore[arg-type]


def _relative_month_part(g: Groups) -> When:
    part = next(name for name in _PARTS if g.get(f"p_{name.replace('-', '_')}"))
    return Shift("month", 1 if g.get("next") else 0, part)  # type: ignore[arg-type]


def _whole_month(g: Groups) -> When:
    year = g.get("y")
    return MonthPart(month_number(g["m"] or ""), int(year) if year else None)


def _season(g: Groups) -> When | None:
    word = (g["s"] or "").casefold()
    if not g.get("mod") and word not in _SLAVIC_SEASON_ADVERBS:
        return None
    year = g.get("y")
    return Season(season_number(word), int(year) if year else None)


def _weekday(g: Groups) -> When | None:
    word, mod = g["wd"] or "", (g.get("mod") or "").casefold()
    if not (g.get("prep") or mod) and not word.isascii():
        return None
    direction = None
    if mod.startswith(("наступн", "следующ", "будущ", "next", "coming")):
        direction = "next"
    elif mod.startswith(("минул", "прошл", "last")):
        direction = "last"
    return Weekday(weekday_number(word), direction)  # type: ignore[arg-type]


def _later(g: Groups) -> When:
    count, unit = count_value(g.get("n")), unit_name(g["u"] or "")
    if unit == "month":
        return Later(months=count)
    return Later(days=count * (7 if unit == "week" else 1))


def _period_end(g: Groups) -> When:
    return PeriodEnd(_PERIOD_WORDS[(g["unit"] or "").casefold()])  # type: ignore[arg-type]


_MOD = (
    r"(?P<mod>(?i:наступн|следующ|будущ|минул|прошл|ц|эт|найближч|ближайш)\w*"
    r"|(?i:next|last|this|coming))"
)
_GRAMMAR: list[tuple[str, Callable[[Groups], When | None]]] = [
    (rf"\b(?i:з|із|с)\s+{_day('d0')}(?:\s+{_month('m0')})?\s+(?i:на)\s+{_day('d1')}\s+{_month('m1')}"
     rf"{_year('y')}", _single),
    (rf"\b(?i:з|із|зі|с|від|от|from|between)\s+{_day('d1')}(?:\s+{_month('m1')})?{_year('y1')}"
     rf"\s+{_TO}\s+{_day('d2')}\s+{_month('m2')}{_year('y')}", _range),
    (rf"{_day('d1')}(?:\s+{_month('m1')})?{_year('y1')}(?:\s*-\s*|\s+(?i:і|й|та|и|and)\s+){_day('d2')}\s+{_month('m2')}{_year('y')}",
     _range),
    (rf"(?:\b(?i:from|between)\s+)?{_month('m1')}\s+{_day('d1')}(?:\s*-\s*|\s+{_TO}\s+)"
     rf"(?:{_month('m2')}\s+)?{_day('d2')}{_year('y')}", _range),
    (rf"{_day('d1')}\s+(?:of\s+)?{_month('m1')}{_year('y')}", _single),
    (rf"{_month('m1')}\s+{_day('d1')}{_year('y')}", _single),
    (r"(?<![\d.])(?P<d1>[0-3]?\d)\.(?P<m1>[01]?\d)\.(?P<y>(?:19|20)\d\d)(?!\d)", _single),
    (r"(?<!\d)(?P<y>20\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)(?!\d)", _single),
    ("(?:" + "|".join(rf"(?P<p_{k.replace('-', '_')}>\b(?i:{v}))" for k, v in _PARTS.items())
     + rf")\s*{_month('m')}{_year('y')}", _month_part),
    ("(?:" + "|".join(rf"(?P<p_{k.replace('-', '_')}>\b(?i:{v}))" for k, v in _PARTS.items())
     + r")\s+(?:(?P<next>(?i:наступного|следующего|next))\s+|(?i:цього|поточного|этого|текущего"
     r"|this|the)\s+)?(?i:місяця|месяца|month)\b", _relative_month_part),
    (rf"\b(?i:у|в|во|на|in|for|during|протягом|в\s+течение)\s+{_month('m')}(?!\.?\s+[0-3]?\d\b)"
     rf"{_year('y')}",
     _whole_month),
    (rf"{_month('m')}\s+(?P<y>20\d\d)(?!\d)", _whole_month),
    (rf"(?:\b(?P<mod>(?i:у|в|in|during|this|next|by|цієї|цього|наступної|наступного|этой|этим"
     rf"|следующей|следующим))\s+(?i:the\s+)?)?\b(?P<s>{SEASON_RE})(?:\s+(?i:of\s+)?(?P<y>20\d\d))?",
     _season),
    (rf"\b(?i:у|в|во|in|до|by|until|протягом|during)\s+(?P<y>(?:19|20)\d\d)(?!\d)"
     rf"(?:\s*{_YEAR_WORD})?", lambda g: WholeYear(int(g["y"] or 0))),
    (rf"(?<![\d.])(?P<y>(?:19|20)\d\d)\s*{_YEAR_WORD}", lambda g: WholeYear(int(g["y"] or 0))),
    (r"\b(?i:до\s+(?:кінця|конца)|к\s+концу|by\s+the\s+end\s+of|until\s+the\s+end\s+of)\s+"
     r"(?:(?i:цього|поточного|этого|текущего|the|this)\s+)?(?P<unit>(?i:тижня|місяця|року|недели"
     r"|месяца|года|week|month|year))\b", _period_end),
    (rf"\b(?i:через)\s+(?:(?P<n>{NUMBER_RE})\s+)?(?P<u>{UNIT_RE})", _later),
    (rf"\b(?i:in|within)\s+(?P<n>{NUMBER_RE})\s+(?P<u>{UNIT_RE})", _later),
    (rf"(?:\b(?P<prep>(?i:у|в|во|на|до|к|on|by|until|till))\s+)?(?:\b{_MOD}\s+)?\b(?P<wd>{WEEKDAY_RE})",
     _weekday),
    *[(rf"\b(?i:{pattern})\b", lambda g, w=when: w) for pattern, when in RELATIVE_PHRASES],
]  # fmt: skip
# What each pattern cannot match without, by rank: one of these keys (lower-case words, each
# standing for itself as a whole word, or _YEAR for "19xx"/"20xx" among digits). A pattern
# matching means one of its keys is in the sentence, so skipping it when none is is exact. A
# sentence of news often has a number and no month word, and then no pattern is tried at all.
_YEAR = "<19xx|20xx>"
_PERIOD_KEYS = frozenset(_PERIOD_WORDS)
_MONTH_PERIOD_KEYS = frozenset(w for w, unit in _PERIOD_WORDS.items() if unit == "month")
_NEEDS: list[frozenset[str]] = [
    *[MONTH_KEYS] * 6,  # day-month forms and ranges
    frozenset({_YEAR}), frozenset({_YEAR}),  # 5.06.2026, 2026-06-05
    MONTH_KEYS, _MONTH_PERIOD_KEYS,  # part of a named month, of "next month"
    MONTH_KEYS, MONTH_KEYS,  # a whole month
    SEASON_KEYS,
    frozenset({_YEAR}), frozenset({_YEAR}),  # a whole year
    _PERIOD_KEYS,  # by the end of the week
    UNIT_KEYS, UNIT_KEYS,  # in three days
    WEEKDAY_KEYS,
    # a relative phrase ends in one of its own words ("наступного тижня" in "тижня")
    *[frozenset(s.split()[-1] for s in spellings(pattern)) for pattern, _ in RELATIVE_PHRASES],
]  # fmt: skip
assert len(_NEEDS) == len(_GRAMMAR)


def _gated(pattern: str) -> str:
    """``pattern`` behind a look-ahead at the characters it can start with: most positions of a
    sentence are then passed over at once instead of through every alternative. The look-ahead
    is case-insensitive, as it must be to let through all a ``(?i:т)`` matches ("ᲄ" too)."""
    letters = start_letters(pattern)
    if letters is None:
        return pattern
    return "(?=(?i:[" + re.escape(letters) + "]))(?:" + pattern + ")"


_COMPILED = [
    (re.compile(_gated(pattern)), build, need)
    for (pattern, build), need in zip(_GRAMMAR, _NEEDS, strict=True)
]
_ALL_KEYS = frozenset().union(*_NEEDS)


def _odd_letters(keys: Collection[str]) -> str | None:
    """The letters case-insensitive matching takes for a letter of ``keys`` although lower()
    keeps them apart ("ı" for "i", "ᲂ" for "о"), from sre's own table of such pairs; None on a
    Python without that (private) table, and then no text is scanned: slower, never wrong."""
    try:
        from re import _casefix  # type: ignore[attr-defined]

        extra: dict[int, tuple[int, ...]] = _casefix._EXTRA_CASES
    except (ImportError, AttributeError):
        return None
    letters = {ord(ch) for key in keys for ch in key}
    return "".join(sorted({chr(o) for c, others in extra.items() if c in letters for o in others}))


# The cue scan reads the lower-cased text with case-sensitive words, several times faster than
# case-insensitive ones (sre skips an alternative by its first letter only when case counts).
# That finds every key the grammar can match except through the odd letters: a text with one
# of those is not scanned at all.
_ODD = _odd_letters(_ALL_KEYS)
_KEY_SCAN = re.compile(rf"\W(?=(?P<key>{alternation(_ALL_KEYS - {_YEAR})})(?:(?<=\.)|\b))")
_YEAR_SCAN = re.compile(r"(?:19|20)\d\d")
# A key the scan reads as an abbreviation ("лют.") is never also a word key ("лют"), and only the
# month patterns need an English month name, so a "may" can be left out.
assert not {key[:-1] for key in _ALL_KEYS if key.endswith(".")} & _ALL_KEYS
assert all(need is MONTH_KEYS or need.isdisjoint(CASED_MONTH_KEYS) for need in _NEEDS)


def find_cues(text: str) -> list[tuple[int, str]] | None:
    """Where ``text`` has a key some pattern needs, and which, left to right; None when the scan
    cannot vouch for ``text`` (then any sentence of it may hold any key).

    Two passes over a whole article instead of several over each sentence: a sentence with no
    cue holds no time expression, and the keys it has say which patterns are worth trying.
    """
    lowered = text.lower()
    if _ODD is None or len(lowered) != len(text) or any(ch in lowered for ch in _ODD):
        return None  # "İ" lower-cases to two characters; see _ODD for the rest
    cues = [(match.start(), _YEAR) for match in _YEAR_SCAN.finditer(text)]
    # The leading space lets a word at the very start follow a non-word character too.
    for match in _KEY_SCAN.finditer(" " + lowered):
        start, key = match.start("key") - 1, match.group("key")
        spelling = CASED_MONTH_KEYS.get(key)
        if spelling is None or text.startswith(spelling, start):
            cues.append((start, key))
    cues.sort()
    return cues


def find_timexes(sentence: str, keys: Collection[str] | None = None) -> list[Timex]:
    """Every time expression of ``sentence``, left to right, none overlapping.

    ``keys``: the keys ``find_cues`` saw in the sentence, when the caller scanned its text.
    """
    if keys is None:
        cues = find_cues(sentence)
        keys = _ALL_KEYS if cues is None else {key for _, key in cues}
    if not keys:
        return []
    found: list[tuple[int, int, int, When]] = []
    for rank, (pattern, build, need) in enumerate(_COMPILED):
        if need.isdisjoint(keys):
            continue
        for match in pattern.finditer(sentence):
            when = build(match.groupdict())
            if when is not None and _valid(when):
                found.append((match.start(), match.end(), rank, when))
    found.sort(key=lambda f: (f[0], f[0] - f[1], f[2]))
    kept: list[Timex] = []
    for start, end, _, when in found:
        if kept and start < kept[-1].end:
            continue
        kept.append(_describe(sentence, start, end, when))
    return _drop_appositions(sentence, kept)


def _valid(when: When) -> bool:
    if isinstance(when, DayRange):
        return (
            1 <= when.first_day <= 31 and 1 <= when.last_day <= 31 and 1 <= when.first_month <= 12
        )
    return True


def _describe(sentence: str, start: int, end: int, when: When) -> Timex:
    before = sentence[max(0, start - 30) : start]
    first_word = re.match(r"\w+", sentence[start:end])
    lead = first_word.group(0).casefold() if first_word else ""
    if lead not in _PREPOSITIONS:
        word_before = _WORD_BEFORE.search(before)
        lead = word_before.group(1).casefold() if word_before else ""
    moved = bool(re.match(r"(?i:з|із|с)\s+\d+[^\d]*?\s+на\s+\d", sentence[start:end]))
    deadline = bool(_DEADLINE_BEFORE.search(before)) or lead in ("до", "к", "by", "until", "till")
    return Timex(start, end, when, deadline=deadline, moved=moved, lead=lead)


def _drop_appositions(sentence: str, timexes: list[Timex]) -> list[Timex]:
    """ "У четвер, 8 січня" and "Напередодні, 5 січня" say one thing twice: keep the date."""
    vague = (Weekday, Anchored, Shift)
    drop: set[int] = set()
    for i in range(len(timexes) - 1):
        left, right = timexes[i], timexes[i + 1]
        if not re.fullmatch(r"[\s,(—-]{0,4}", sentence[left.end : right.start]):
            continue
        if isinstance(left.when, vague) and isinstance(right.when, DayRange):
            drop.add(i)
        elif isinstance(left.when, DayRange) and isinstance(right.when, Weekday):
            drop.add(i + 1)
    return [t for i, t in enumerate(timexes) if i not in drop]
