"""Decisions about announced events once found: is it one we know, when is it, did it happen.

The finder turns each article into ``FollowUp`` values; many articles announce the same
meeting, some later move or cancel it, and some after the date report it. Storage keeps the
events and their sources; this module decides, with values only:

* ``same_event`` — whether two announcements are one event (span, place and wording agree);
* ``time_status`` / ``event_status`` — where an event stands on a given day;
* ``apply_change`` — what a "postponed"/"cancelled" follow-up does to a known event;
* ``is_coverage`` — whether a later article reports the event rather than announcing it again.

Wording is compared as sets of lemmatised content words (``event_terms``), not embeddings:
cheap, explainable, good within uk/ru, blind across English and Cyrillic (see
``ingest.tracking_words``). Thresholds are module constants so the lead can tune them on
the evaluation set.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from ingest.followups.types import FollowUp
from ingest.tracking_tense import reports_happening
from ingest.tracking_words import (
    guess_language,
    location_among,
    mentions_place,
    place_terms,
    places_agree,
    sentences,
    text_place_lemmas,
    text_terms,
)

Status = Literal["upcoming", "due", "past", "postponed", "cancelled", "covered"]
TimeStatus = Literal["upcoming", "due", "past"]

# Share of the smaller term set two announcements must have in common to be one event.
SAME_EVENT_OVERLAP = 0.5
# Share of the event's terms a later article must contain to count as its report.
COVERAGE_OVERLAP = 0.4
# Fewest shared terms either test accepts (fewer if a term set is that small).
MIN_SHARED_TERMS = 2
# A report must appear by this many days after the event's last day: later articles on the
# same topic are usually about a different round of it.
COVERAGE_DAYS = 7


@dataclass(frozen=True)
class EventState:
    """What the tracker knows about one event, as storage keeps it.

    ``previous_starts_on``/``previous_ends_on`` hold the span the event had before its last
    postponement (None if it never moved or the original date was never seen);
    ``postponed`` stays True once a move was reported, so the report can show it.
    ``cancelled`` and ``covered`` are final: later follow-ups do not undo them.
    """

    starts_on: date
    ends_on: date
    precise: bool = True
    postponed: bool = False
    previous_starts_on: date | None = None
    previous_ends_on: date | None = None
    cancelled: bool = False
    covered: bool = False


@lru_cache(maxsize=8192)
def event_terms(what: str, sentence: str, language: str | None) -> frozenset[str]:
    """Lemmatised content words of an announcement (nouns, adjectives, names), folded to one
    uk/ru spelling, stop-words, numbers and verbs left out. Place names stay in; the
    comparisons below remove them where the place is checked on its own.

    Cached: every stored article is checked against each open event's wordings, which are the
    same strings article after article."""
    return text_terms(f"{what}. {sentence}", language)


def _wording_agrees(a: frozenset[str], b: frozenset[str], share: float) -> bool:
    """Enough of the smaller set found in the larger one (``a`` is the reference side)."""
    smaller = min(len(a), len(b))
    if smaller == 0:
        return False
    shared = len(a & b)
    return shared >= min(MIN_SHARED_TERMS, smaller) and shared / smaller >= share


def spans_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def same_event(a: FollowUp, b: FollowUp, a_terms: frozenset[str], b_terms: frozenset[str]) -> bool:
    """One event announced twice?

    * span: the two spans overlap (a vague "у травні" contains a precise "15 травня"); not
      checked when either follow-up reports a postponement, since its span is the new date;
    * place: both named places must agree in some inflected form; a follow-up without a place
      agrees with any place (sentences often leave it out), so wording must carry it;
    * wording: with the places taken out, at least half of the smaller term set, and at
      least two terms, are shared.
    """
    if not places_agree(a.location, b.location):
        return False
    moved = "postponed" in (a.change, b.change)
    if not moved and not spans_overlap(a.starts_on, a.ends_on, b.starts_on, b.ends_on):
        return False
    places = place_terms(a.location) | place_terms(b.location)
    return _wording_agrees(a_terms - places, b_terms - places, SAME_EVENT_OVERLAP)


def time_status(starts_on: date, ends_on: date, today: date) -> TimeStatus:
    """ "due" on every day of the span, "upcoming" before it, "past" after it."""
    if today < starts_on:
        return "upcoming"
    if today <= ends_on:
        return "due"
    return "past"


def state_of(followup: FollowUp) -> EventState:
    """The state of an event first seen in this follow-up."""
    return EventState(
        starts_on=followup.starts_on,
        ends_on=followup.ends_on,
        precise=followup.precise,
        postponed=followup.change == "postponed",
        cancelled=followup.change == "cancelled",
    )


def apply_change(state: EventState, followup: FollowUp) -> EventState:
    """Fold a later follow-up of the same event into its state.

    * cancelled or covered events stay as they are (both are final);
    * "cancelled" cancels;
    * "postponed" moves the span to the follow-up's and records the span it replaces as
      ``previous_*`` (the last one readers knew); a repeated report of the same move changes
      nothing;
    * a plain re-announcement only narrows a vague span to a precise one inside it;
      any other difference is left to the finder's next report.
    """
    if state.cancelled or state.covered:
        return state
    if followup.change == "cancelled":
        return replace(state, cancelled=True)
    same_span = (followup.starts_on, followup.ends_on) == (state.starts_on, state.ends_on)
    if followup.change == "postponed":
        if same_span:
            return replace(state, postponed=True)
        return replace(
            state,
            starts_on=followup.starts_on,
            ends_on=followup.ends_on,
            precise=followup.precise,
            postponed=True,
            previous_starts_on=state.starts_on,
            previous_ends_on=state.ends_on,
        )
    narrows = (
        followup.precise
        and not state.precise
        and state.starts_on <= followup.starts_on
        and followup.ends_on <= state.ends_on
    )
    if narrows:
        return replace(state, starts_on=followup.starts_on, ends_on=followup.ends_on, precise=True)
    return state


def event_status(state: EventState, today: date) -> Status:
    """Cancelled, then covered, win; a postponed event reads "postponed" until its new date
    comes, then due/past like any other."""
    if state.cancelled:
        return "cancelled"
    if state.covered:
        return "covered"
    current = time_status(state.starts_on, state.ends_on, today)
    if state.postponed and current == "upcoming":
        return "postponed"
    return current


class Report:
    """A later article as evidence of coverage: its words analysed once, however many open
    events it is tested against (an article is checked against every event of its days)."""

    def __init__(self, text: str, published: date, language: str | None) -> None:
        self.text = text
        self.published = published
        self.lang = guess_language(text, language)
        self._terms: frozenset[str] | None = None
        self._places: dict[str, bool] = {}
        self._place_lemmas: frozenset[str] | None = None
        self._sentences: list[tuple[str, frozenset[str]]] | None = None

    @property
    def terms(self) -> frozenset[str]:
        """The text's content lemmas, analysed when the first event in its dates asks."""
        if self._terms is None:
            self._terms = text_terms(self.text, self.lang)
        return self._terms

    def mentions(self, location: str) -> bool:
        """Whether the text names the place; its words' place lemmas are found once for all
        the locations asked about."""
        if location not in self._places:
            if self._place_lemmas is None:
                self._place_lemmas = text_place_lemmas(self.text, self.lang)
            self._places[location] = location_among(self._place_lemmas, location)
        return self._places[location]

    def sentences(self) -> list[tuple[str, frozenset[str]]]:
        if self._sentences is None:
            self._sentences = [(s, text_terms(s, self.lang)) for s in sentences(self.text)]
        return self._sentences


def is_coverage(
    text: str,
    published: date,
    language: str | None,
    starts_on: date,
    ends_on: date,
    location: str | None,
    terms: frozenset[str],
) -> bool:
    """Does this later article report the event (not announce it again)? See ``covers``."""
    return covers(Report(text, published, language), starts_on, ends_on, location, terms)


def covers(
    report: Report,
    starts_on: date,
    ends_on: date,
    location: str | None,
    terms: frozenset[str],
) -> bool:
    """Does this later article report the event (not announce it again)?

    All of: published from the first day of the event to ``COVERAGE_DAYS`` after its last;
    the place (if known) named in any inflected form; at least ``COVERAGE_OVERLAP`` of the
    event's non-place terms, and two or more, in the article; and one sentence that names
    the place or shares a term and reports the event as done or under way today
    (``reports_happening``).
    """
    if report.published < starts_on or report.published > ends_on + timedelta(days=COVERAGE_DAYS):
        return False
    if location and not report.mentions(location):
        return False
    key = terms - place_terms(location)
    if not key:
        return False
    shared = key & report.terms
    if len(shared) < min(MIN_SHARED_TERMS, len(key)) or len(shared) / len(key) < COVERAGE_OVERLAP:
        return False
    lang = report.lang
    for sentence, sentence_terms in report.sentences():
        relevant = (location is not None and mentions_place(sentence, lang, location)) or bool(
            key & sentence_terms
        )
        if relevant and reports_happening(sentence, lang):
            return True
    return False
