"""A short name for the event an English sentence announces, as analysts read it in reports.

Ukrainian and Russian name an event by its noun in the nominative ("зустріч лідерів коаліції")
or by the lemma of its verb. An English sentence without an event noun was named by the word
that gave the date its tense, which is most often an auxiliary: "The foreign ministers will
meet in Warsaw" was the event "will", "NATO defence ministers are due to meet" the event "to".
Here such an event is named by its subject and main verb ("foreign ministers meet"), with a
short object ("parliament approve budget"); an event noun's phrase ends before a verb group or
a preposition left dangling ("summit", not "summit on"; "hearing", not "hearing has been
delayed until").
"""

from __future__ import annotations

from ingest.followups.lexicon import (
    CLAUSE_WORDS,
    ENGLISH_BE,
    ENGLISH_FUTURE,
    ENGLISH_SCHEDULE,
    PHRASE_STOP,
    words,
)
from ingest.followups.triggers import Reading

# Words of a verb group that are not its main verb, and the words that announce one.
AUXILIARIES = (
    ENGLISH_FUTURE
    | ENGLISH_BE
    | ENGLISH_SCHEDULE
    | words("to not has have had do does did set due going planning plans again also then")
)
DETERMINERS = words("the a an this that these those its their his her our your my")
FUNCTION_WORDS = words(
    """
    on in at by for from until till to of with about into over after before during since as
    and or than
    """
)
# Where a phrase of the clause ends: the subject reads back to one of these (an "and" it keeps
# between names), the object forward to one; the main verb is sought past auxiliaries only.
_PHRASE_ENDS = DETERMINERS | FUNCTION_WORDS | CLAUSE_WORDS | AUXILIARIES
_SUBJECT_ENDS = _PHRASE_ENDS - {"and"}
_NO_VERB_BEYOND = (FUNCTION_WORDS - {"to"}) | DETERMINERS | CLAUSE_WORDS
_DANGLING = FUNCTION_WORDS | DETERMINERS
SUBJECT_WORDS = 4
OBJECT_WORDS = 2
VERB_REACH = 4


def clause_name(reading: Reading, marker: int, span: tuple[int, int]) -> str | None:
    """Subject, main verb and a short object around the tense word at token ``marker``, or
    None when no main verb follows it before the date (``span``, in characters)."""
    verb = _main_verb(reading, marker, span)
    if verb is None:
        return None
    subject = _subject(reading, marker, span)
    obj = _object(reading, verb, span)
    return " ".join([*subject, reading.tokens[verb].text.casefold(), *obj])


def ends_noun_phrase(word: str) -> bool:
    """Whether an event noun's phrase stops before ``word``: at a verb group."""
    return word.casefold() in AUXILIARIES


def trim(phrase: list[str]) -> list[str]:
    """A phrase without the prepositions, conjunctions and articles it ends with."""
    while len(phrase) > 1 and phrase[-1].casefold() in _DANGLING:
        phrase = phrase[:-1]
    return phrase


def _joined(reading: Reading, left: int, right: int) -> bool:
    """Tokens ``left`` and ``right`` (adjacent) stand in one phrase: no punctuation between."""
    tokens = reading.tokens
    return not PHRASE_STOP.search(reading.text[tokens[left].end : tokens[right].start])


def _in_span(reading: Reading, index: int, span: tuple[int, int]) -> bool:
    return span[0] <= reading.tokens[index].start < span[1]


def _main_verb(reading: Reading, marker: int, span: tuple[int, int]) -> int | None:
    tokens = reading.tokens
    for index in range(marker, min(marker + VERB_REACH, len(tokens))):
        if index > marker and not _joined(reading, index - 1, index):
            return None
        if _in_span(reading, index, span):
            return None
        word = tokens[index].text.casefold()
        if word in _NO_VERB_BEYOND:
            return None
        if word not in AUXILIARIES and tokens[index].text.isalpha():
            return index
    return None


def _subject(reading: Reading, marker: int, span: tuple[int, int]) -> list[str]:
    tokens = reading.tokens
    index = marker - 1
    while index >= 0 and tokens[index].text.casefold() in AUXILIARIES:  # "are due to"
        if not _joined(reading, index, index + 1):
            return []
        index -= 1
    found: list[str] = []
    while index >= 0 and len(found) < SUBJECT_WORDS and _joined(reading, index, index + 1):
        word = tokens[index].text
        if word.casefold() in _SUBJECT_ENDS or _in_span(reading, index, span):
            break
        if not word.replace("-", "").isalpha():
            break
        found.insert(0, word)
        index -= 1
    while found and found[0].casefold() == "and":  # "… and Trump will talk": "Trump talk"
        found = found[1:]
    return found


def _object(reading: Reading, verb: int, span: tuple[int, int]) -> list[str]:
    tokens = reading.tokens
    found: list[str] = []
    for index in range(verb + 1, min(verb + 1 + OBJECT_WORDS + 1, len(tokens))):
        if not _joined(reading, index - 1, index) or _in_span(reading, index, span):
            break
        word = tokens[index].text
        low = word.casefold()
        if low in DETERMINERS and not found:
            continue
        if low in _PHRASE_ENDS or not word.isalpha():
            break
        found.append(word)
        if len(found) == OBJECT_WORDS:
            break
    return found
