"""What the pymorphy3 dictionaries say about one word, reduced to what the finder uses.

Every parse is looked at, not just the first: the Ukrainian dictionary lists "продовжиться"
as an infinitive before its future reading, and "Києві" as the name "Кий" before the city.
Results are cached per word, so an article costs a few dictionary look-ups per new word.
Tags are compared as strings because ``'futr' in tag`` raises for grammemes a dictionary lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pymorphy3

Tense = Literal["future", "past", "present"]
Language = Literal["uk", "ru"]


@dataclass(frozen=True)
class WordFacts:
    lemmas: frozenset[str]  # every normal form the dictionary offers
    tense: Tense | None  # of a finite verb, or of a past passive participle ("past")
    infinitive: bool
    passive: bool  # an impersonal or passive form: "заплановано", "назначена", "перенесений"
    place_lemmas: tuple[str, ...]  # normal forms of inanimate noun readings, best first
    adjective_nominative: str | None  # "Саудівській" → "саудівська", for two-word places


@lru_cache(maxsize=2)
def analyzer(language: Language) -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang=language)


@lru_cache(maxsize=200_000)
def word_facts(word: str, language: Language) -> WordFacts:
    """Facts about ``word`` (any case) in ``language``."""
    parses = analyzer(language).parse(word.casefold())
    lemmas: set[str] = set()
    tenses: set[str] = set()
    infinitive = False
    passive = False
    places: list[str] = []
    adjective: str | None = None
    for parse in parses:
        tag = str(parse.tag)
        lemmas.add(parse.normal_form)
        grammemes = set(tag.replace(" ", ",").split(","))
        if "VERB" in grammemes or "PRTS" in grammemes:
            tenses |= grammemes & {"futr", "past", "pres"}
            if "Impe" in grammemes:
                tenses.add("past")
            passive = passive or bool(grammemes & {"Impe", "PRTS"})
        if "INFN" in grammemes or "infn" in grammemes:
            infinitive = True
        if grammemes & {"PRTF", "pssv"} and grammemes & {"past", "perf"}:
            tenses.add("past-participle")
            passive = True
        if "NOUN" in grammemes and "anim" not in grammemes and parse.normal_form not in places:
            places.append(parse.normal_form)
        if adjective is None and ("ADJF" in grammemes) and "Name" not in grammemes:
            inflected = parse.inflect({"nomn"})
            adjective = inflected.word if inflected else None
    return WordFacts(
        lemmas=frozenset(lemmas),
        tense=_pick_tense(tenses),
        infinitive=infinitive and not tenses & {"futr", "past", "pres"},
        passive=passive,
        place_lemmas=tuple(places),
        adjective_nominative=adjective,
    )


def _pick_tense(tenses: set[str]) -> Tense | None:
    if "futr" in tenses:
        return "future"
    if "past" in tenses:
        return "past"
    if "pres" in tenses:
        return "present"
    if "past-participle" in tenses:
        return "past"
    return None
