"""Finding the events an article announces: dates read through tense, places and change cues.

One scan of the article finds the sentences with a date cue (a year, a month or weekday name,
"завтра"…); only those are searched for time expressions. For each expression the nearest
verb decides the tense, the tense decides the year (or week) the writer meant, and only spans
that are still ahead of the publication date are kept. Dates resolve against the publication
date in the publisher's own time zone: the offset carried by ``published``. "Напередодні" and
"the next day" count from the last day-level date read before them in the same article.
"""

from __future__ import annotations

import string
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from ingest.followups import english_what
from ingest.followups.dates import Timex, find_cues, find_timexes
from ingest.followups.lexicon import CLAUSE_WORDS, EVENT_LEMMAS, PHRASE_STOP, words
from ingest.followups.morph import Tense, word_facts
from ingest.followups.places import PlaceMention, find_places
from ingest.followups.sentences import Sentence, split_sentences
from ingest.followups.spans import (
    Anchored,
    DayRange,
    Mode,
    Shift,
    Span,
    Weekday,
    WholeYear,
    candidates,
    choose,
    is_precise,
    needs_year,
)
from ingest.followups.triggers import Change, Language, Reading, Token, read_sentence
from ingest.followups.types import FollowUp

# One character for one, so offsets in the normalised text hold in the original.
_SAME_LENGTH = {"’": "'", "ʼ": "'", "`": "'", "´": "'", "–": "-", "—": "-",
                "‒": "-", "−": "-", "\u00a0": " ", "\u202f": " "}  # fmt: skip
_NEW_DATE_LEADS = words("на до to until till for")
_OLD_DATE_LEADS = words("з із зі с from")
_ASCII_LETTERS = string.ascii_letters.encode()


@dataclass(frozen=True)
class _Verdict:
    span: Span
    tense: Tense | None
    change: Change | None


def find_followups(text: str, published: datetime, language: str | None = None) -> list[FollowUp]:
    """Events ``text`` announces after ``published``, one per distinct date span, by date."""
    today = published.date()
    lang = _language(language, text)
    normalised = _same_length(text)
    found: dict[tuple[date, date], FollowUp] = {}
    anchor: date | None = None
    for sentence, keys in _cued_sentences(normalised):
        timexes = find_timexes(sentence.text, keys)
        if not timexes:
            continue
        reading = read_sentence(sentence.text, lang)
        places: list[PlaceMention] | None = None
        for timex in timexes:
            verdict = _judge(timex, timexes, reading, today, anchor)
            if verdict is None:
                continue
            if isinstance(timex.when, DayRange | Weekday | Anchored) or timex.when == Shift(
                "day", 1
            ):
                anchor = verdict.span.start
            if not _announced(timex, verdict, reading, today):
                continue
            if places is None:
                places = find_places(sentence.text, lang)
            original = text[sentence.start : sentence.start + len(sentence.text)]
            item = _follow_up(timex, verdict, reading, places, original, lang)
            key = (item.starts_on, item.ends_on)
            kept = found.get(key)
            if kept is None or (kept.location is None and item.location is not None):
                found[key] = item
    return sorted(found.values(), key=lambda f: (f.starts_on, f.ends_on))


def _same_length(text: str) -> str:
    """``text`` with ``_SAME_LENGTH`` applied: one ``str.replace`` per character (each a fast
    search, most finding nothing) instead of ``str.translate``'s dictionary look-up for every
    character, about a hundred times slower on Cyrillic text."""
    for old, new in _SAME_LENGTH.items():
        if old in text:
            text = text.replace(old, new)
    return text


def _cued_sentences(text: str) -> Iterator[tuple[Sentence, set[str] | None]]:
    """The sentences of ``text`` that may hold a date, each with the cue keys in it (None when
    ``find_cues`` cannot tell): one scan of the article, and only those sentences are split out
    and searched, where searching every sentence cost most of the finder's time."""
    cues = find_cues(text)
    if cues is None:
        for sentence in split_sentences(text):
            yield sentence, None
        return
    offsets = [offset for offset, _ in cues]
    for sentence in split_sentences(text, offsets):
        first = bisect_left(offsets, sentence.start)
        last = bisect_left(offsets, sentence.start + len(sentence.text))
        yield sentence, {key for _, key in cues[first:last]}


def _language(language: str | None, text: str) -> Language:
    code = (language or "").casefold()[:2]
    if code in ("uk", "ru", "en"):
        return code  # type: ignore[return-value]
    # Counted in UTF-8 at C speed: U+0400-U+04FF are the characters led by bytes D0-D3, ASCII
    # letters are their own bytes (a loop over the characters cost most of a millisecond).
    encoded = text.encode("utf-8", "surrogatepass")
    cyrillic = sum(encoded.count(lead) for lead in (b"\xd0", b"\xd1", b"\xd2", b"\xd3"))
    if cyrillic < len(encoded) - len(encoded.translate(None, _ASCII_LETTERS)):
        return "en"
    ukrainian = sum(text.count(ch) for ch in "іїєґІЇЄҐ")
    russian = sum(text.count(ch) for ch in "ыэъёЫЭЪЁ")
    # A Cyrillic text without і, ї, є or ґ is almost never Ukrainian.
    return "ru" if russian > ukrainian or (ukrainian == 0 and cyrillic >= 20) else "uk"


def _judge(
    timex: Timex, timexes: list[Timex], reading: Reading, today: date, anchor: date | None
) -> _Verdict | None:
    tense = reading.tense_at(timex.start, timex.end)
    change = _change(timex, timexes, reading)
    if change == "old":
        return None
    mode: Mode = "nearest"
    if change == "postponed" or tense == "future" or (timex.deadline and tense != "past"):
        mode = "future"
    elif tense == "past" and change is None:
        mode = "past"
    span = choose(candidates(timex.when, today, anchor), today, mode)
    if span is None:
        return None
    return _Verdict(span, tense, change)  # type: ignore[arg-type]


def _change(timex: Timex, timexes: list[Timex], reading: Reading) -> str | None:
    """ "postponed" for a moved event's new date, "old" for the date it moved from,
    "cancelled" for a called-off event, None otherwise."""
    if timex.moved:
        return "postponed"
    for cue in reading.cues:
        token = reading.tokens[cue.index]
        if cue.change == "cancelled":
            return "cancelled"
        if timex.start >= token.end:
            if timex.lead in _NEW_DATE_LEADS:
                return "postponed"
            if timex.lead in _OLD_DATE_LEADS:
                return "old"
        elif any(other.start >= token.end for other in timexes):
            return "old"
    return None


def _announced(timex: Timex, verdict: _Verdict, reading: Reading, today: date) -> bool:
    span, tense = verdict.span, verdict.tense
    if span.end < today:
        return False
    if verdict.change is not None:
        return True
    if tense == "past":
        return timex.when != Shift("day", 0) and not needs_year(timex.when) and span.start > today
    if span.start <= today and tense != "future":
        return False
    if not is_precise(timex.when) and tense != "future":
        return False
    if isinstance(timex.when, WholeYear) or timex.when in (Shift("year", 0), Shift("year", 1)):
        event = reading.event_near(timex.start, timex.end)
        return event is not None
    return not isinstance(timex.when, Anchored) or tense == "future"


def _follow_up(
    timex: Timex,
    verdict: _Verdict,
    reading: Reading,
    places: list[PlaceMention],
    sentence: str,
    language: Language,
) -> FollowUp:
    event = reading.event_near(timex.start, timex.end)
    place = min(
        places,
        key=lambda p: min(abs(p.start - timex.end), abs(timex.start - p.end)),
        default=None,
    )
    confidence = 0.5
    confidence += 0.2 if verdict.tense == "future" or verdict.change else -0.15
    confidence += 0.15 if event is not None else 0.0
    confidence += 0.1 if is_precise(timex.when) else -0.1
    confidence -= 0.1 if isinstance(timex.when, Anchored) else 0.0
    return FollowUp(
        starts_on=verdict.span.start,
        ends_on=verdict.span.end,
        location=place.name if place else None,
        what=_what(reading, event, timex, language),
        sentence=sentence,
        confidence=round(max(0.05, min(0.99, confidence)), 2),
        change=verdict.change,
        precise=is_precise(timex.when),
    )


def _what(reading: Reading, event: Token | None, timex: Timex, language: Language) -> str:
    """A short name for the event: its noun in the nominative with the words that follow it
    ("зустріч на рівні лідерів країн"), else the verb nearest the date."""
    if event is None:
        return _verb_phrase(reading, timex, language)
    index = reading.tokens.index(event)
    english = language == "en"
    head = event.text.casefold() if english else _nominative(event)
    words = [head]
    for token in reading.tokens[index + 1 : index + 7]:
        gap = reading.text[reading.tokens[index + len(words) - 1].end : token.start]
        if PHRASE_STOP.search(gap) or timex.start <= token.start < timex.end:
            break
        if token.text.casefold() in CLAUSE_WORDS or _is_marker(reading, token):
            break
        if english and english_what.ends_noun_phrase(token.text):
            break
        words.append(token.text)
    return " ".join(english_what.trim(words) if english else words)


def _nominative(token: Token) -> str:
    lemmas = sorted(token.lemmas & EVENT_LEMMAS)
    return lemmas[0] if lemmas else token.text.casefold()


def _is_marker(reading: Reading, token: Token) -> bool:
    return any(reading.tokens[m.index] is token for m in reading.markers)


def _verb_phrase(reading: Reading, timex: Timex, language: Language) -> str:
    if not reading.markers:
        return reading.text[:80]
    marker = min(reading.markers, key=lambda m: _distance(reading.tokens[m.end_index], timex))
    verb = reading.tokens[marker.end_index]
    if language == "en":
        named = english_what.clause_name(reading, marker.index, (timex.start, timex.end))
        return named or verb.text.casefold()
    lemmas = sorted(word_facts(verb.text, language).lemmas)
    return lemmas[0] if lemmas else verb.text.casefold()


def _distance(token: Token, timex: Timex) -> int:
    return min(abs(token.start - timex.end), abs(timex.start - token.end))
