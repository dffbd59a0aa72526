"""Reading a sentence for tense, event words and change cues.

Whether a date is announced or reported is decided by the verb nearest to it, not by the main
clause: in "заявив, що зустріч відбудеться 10 січня" the date belongs to "відбудеться". So a
sentence is read into markers (finite verbs and planning words, each with the tense it lends
to dates on its left and on its right), event nouns, and postponement or cancellation cues;
``Reading.tense_at`` then asks which marker is closest, counting clause openers and commas as
extra distance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.followups.lexicon import (
    CANCEL_LEMMAS,
    CLAUSE_WORDS,
    DISCOURSE_WORDS,
    ENGLISH_BE,
    ENGLISH_CANCEL,
    ENGLISH_FUTURE,
    ENGLISH_PAST,
    ENGLISH_POSTPONE,
    ENGLISH_PRESENT,
    ENGLISH_SCHEDULE,
    EVENT_LEMMAS,
    FUTURE_LEMMAS,
    HAPPEN_LEMMAS,
    MODAL_LEMMAS,
    POSTPONE_LEMMAS,
    RECAP_OPENERS,
    RECAP_VERBS,
    SCHEDULE_LEMMAS,
    words,
)
from ingest.followups.morph import Tense, WordFacts, word_facts

Language = Literal["uk", "ru", "en"]
Change = Literal["postponed", "cancelled"]

_TOKEN = re.compile(r"\w+(?:['-]\w+)*")
_COMMA = re.compile(r"[,;:()\"«»]|\s-\s")
_GROUP_WORDS = words("be been being not to have has")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    lemmas: frozenset[str]


@dataclass(frozen=True)
class Marker:
    """A word that lends a tense to the dates around it."""

    index: int  # token index
    left: Tense | None  # tense for dates before the word
    right: Tense | None  # tense for dates after it
    last: int = -1  # last token of its verb group ("will be held"), when longer than one

    @property
    def end_index(self) -> int:
        return max(self.index, self.last)


@dataclass(frozen=True)
class Cue:
    index: int
    change: Change


@dataclass(frozen=True)
class Reading:
    text: str
    tokens: tuple[Token, ...]
    markers: tuple[Marker, ...]
    events: tuple[int, ...]  # token indexes of event nouns
    cues: tuple[Cue, ...]

    def tense_at(self, start: int, end: int) -> Tense | None:
        """The tense of the marker closest to the characters ``start:end``."""
        best: tuple[int, int, Tense | None] | None = None
        for marker in self.markers:
            token, last = self.tokens[marker.index], self.tokens[marker.end_index]
            if last.end <= start:
                gap, tense, side = self._distance(last.end, start), marker.right, 1
            elif token.start >= end:
                gap, tense, side = self._distance(end, token.start), marker.left, 0
            else:
                continue
            if best is None or (gap, side) < best[:2]:
                best = (gap, side, tense)
        return best[2] if best else None

    def event_near(self, start: int, end: int) -> Token | None:
        """The event noun nearest to ``start:end``, preferring one before it."""
        scored = []
        for index in self.events:
            token = self.tokens[index]
            gap = (
                self._distance(token.end, start)
                if token.end <= start
                else self._distance(end, token.start) + 1
            )
            scored.append((gap, index))
        return self.tokens[min(scored)[1]] if scored else None

    def index_after(self, offset: int) -> int:
        return next((i for i, t in enumerate(self.tokens) if t.start >= offset), len(self.tokens))

    def _distance(self, left: int, right: int) -> int:
        between = self.text[left:right]
        words = [w.casefold() for w in _TOKEN.findall(between)]
        return len(words) + len(_COMMA.findall(between)) + 3 * sum(w in CLAUSE_WORDS for w in words)


def read_sentence(text: str, language: Language) -> Reading:
    tokens = _tokens(text, language)
    if language == "en":
        markers, cues = _english_markers(tokens)
    else:
        markers, cues = _slavic_markers(tokens, language)
    events = tuple(i for i, t in enumerate(tokens) if t.lemmas & EVENT_LEMMAS)
    return Reading(text, tuple(tokens), tuple(markers), events, tuple(cues))


def _tokens(text: str, language: Language) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        if language == "en" or (not word.isalpha() and "'" not in word and "-" not in word):
            lemmas = frozenset({word.casefold()})
        else:
            lemmas = word_facts(word, language).lemmas | {word.casefold()}
        tokens.append(Token(word, match.start(), match.end(), lemmas))
    return tokens


def _skipped(tokens: list[Token]) -> set[int]:
    """Discourse markers ("Нагадаємо") and recaps ("як повідомлялося") lend no tense."""
    skip = set()
    for i, token in enumerate(tokens):
        word = token.text.casefold()
        if word in DISCOURSE_WORDS:
            skip.add(i)
        following = tokens[i + 1].text.casefold() if i + 1 < len(tokens) else ""
        if word in RECAP_OPENERS and following in RECAP_VERBS:
            skip.add(i + 1)
    return skip


def _slavic_markers(tokens: list[Token], language: Language) -> tuple[list[Marker], list[Cue]]:
    markers: list[Marker] = []
    cues: list[Cue] = []
    skip = _skipped(tokens)
    facts = [
        word_facts(t.text, language) if t.text.replace("'", "").replace("-", "").isalpha() else None
        for t in tokens
    ]
    for i, token in enumerate(tokens):
        fact = facts[i]
        if fact is None or i in skip:
            continue
        if token.lemmas & POSTPONE_LEMMAS:
            cues.append(Cue(i, "postponed"))
        elif token.lemmas & CANCEL_LEMMAS or _negated_happening(tokens, i):
            cues.append(Cue(i, "cancelled"))
        marker = _slavic_marker(i, token, fact, facts)
        if marker is not None:
            markers.append(marker)
    return markers, cues


def _slavic_marker(
    i: int, token: Token, fact: WordFacts, facts: list[WordFacts | None]
) -> Marker | None:
    infinitive_follows = any(f is not None and f.infinitive for f in facts[i + 1 : i + 4])
    if token.lemmas & FUTURE_LEMMAS:
        return Marker(i, "future", "future")
    if token.lemmas & MODAL_LEMMAS and infinitive_follows:
        return Marker(i, "future", "future")
    if token.lemmas & SCHEDULE_LEMMAS and fact.tense:
        left: Tense = "future" if fact.tense != "past" or fact.passive else "past"
        return Marker(i, left, "future")
    if fact.tense is None:
        return None
    return Marker(i, fact.tense, fact.tense)


def _negated_happening(tokens: list[Token], i: int) -> bool:
    return (
        bool(tokens[i].lemmas & HAPPEN_LEMMAS) and i > 0 and tokens[i - 1].text.casefold() == "не"
    )


def _english_markers(tokens: list[Token]) -> tuple[list[Marker], list[Cue]]:
    markers: list[Marker] = []
    cues: list[Cue] = []
    skip = _skipped(tokens)
    words = [t.text.casefold() for t in tokens]
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if i in skip:
            continue
        if word in ENGLISH_POSTPONE:
            cues.append(Cue(i, "postponed"))
        if word in ENGLISH_CANCEL and (word != "called" or after == "off"):
            cues.append(Cue(i, "cancelled"))
        if word in ("not", "n't") and after in ("take", "be") and before in ("will", "wo", "would"):
            cues.append(Cue(i, "cancelled"))
        tense = _english_tense(word, before, after, tokens[i].text)
        if word in ENGLISH_SCHEDULE and after == "to":
            markers.append(Marker(i, "past", "future", _verb_group_end(words, i)))
        elif tense is not None:
            markers.append(Marker(i, tense, tense, _verb_group_end(words, i)))
    return markers, cues


def _verb_group_end(words: list[str], i: int) -> int:
    """ "will be held", "was not postponed", "is set to resume": the group ends at its last verb."""
    last = i
    for j in range(i + 1, min(i + 4, len(words))):
        word = words[j]
        if word in _GROUP_WORDS or (word.endswith(("ed", "en")) and len(word) > 3):
            last = j
        else:
            break
    return last


def _english_tense(word: str, before: str, after: str, surface: str) -> Tense | None:
    if word in ("set", "plans", "planning", "going") and after in ("to", "for"):
        return "future"
    if word == "due" and before in ENGLISH_BE:
        return "future"
    if word == "be" and before == "to":
        return "future"
    if word in ENGLISH_FUTURE and (surface.islower() or word not in ("may", "can")):
        return "future"
    if word in ENGLISH_PRESENT:
        return "present"
    if before in ENGLISH_BE and before not in ("was", "were"):
        return None
    if word in ENGLISH_PAST or (word.endswith("ed") and len(word) > 4):
        return "past"
    return None
