"""Word-level tools for the tracker: lemmas, place names and tense, in uk, ru and en.

Deciding that two articles speak of one event, or that a later article reports it, comes down
to comparing words that arrive inflected ("у Парижі", "в Париже") and in two Cyrillic
spellings ("лідер"/"лидер"). So every word is lemmatised with pymorphy3 (uk, ru) or a light
suffix rule (en), then *folded* to one spelling shared by uk and ru (і/ї/ы→и, є/э/ё→е, ґ→г,
soft signs and apostrophes dropped, doubled letters collapsed). Folded lemmas are only ever
compared with each other; they are not meant to be shown.

Known limits: English and Cyrillic words meet only through the small place alias table, so an
English report of a Ukrainian announcement shares no wording with it; pymorphy3-uk lists
person-name parses first for some cities ("Києві"→"кий"), hence place lemmas keep every
non-person noun parse rather than the first one.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pymorphy3

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`\-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_FOLD = str.maketrans({"і": "и", "ї": "и", "ы": "и", "є": "е", "э": "е", "ё": "е", "ґ": "г"})
_DROP = re.compile(r"['’ʼ`ьъ]")
_DOUBLE = re.compile(r"(.)\1+")
_PERSON = ("Name", "Surn", "Patr")

# Place names that differ between scripts or between uk and ru beyond what folding repairs.
# Each row is one place; any of its (folded) spellings stands for the first.
_PLACE_ALIASES = (
    ("київ", "киев", "kyiv", "kiev"),
    ("львів", "львов", "lviv"),
    ("харків", "харьков", "kharkiv"),
    ("одеса", "odesa", "odessa"),
    ("дніпро", "днепр", "dnipro"),
    ("запоріжжя", "запорожье", "zaporizhzhia"),
    ("миколаїв", "николаев", "mykolaiv"),
    ("париж", "paris"),
    ("брюссель", "brussels"),
    ("женева", "geneva"),
    ("вашингтон", "washington"),
    ("лондон", "london"),
    ("берлін", "берлин", "berlin"),
    ("варшава", "warsaw"),
    ("стамбул", "istanbul"),
    ("анкара", "ankara"),
    ("рим", "rome"),
    ("відень", "вена", "vienna"),
    ("прага", "prague"),
    ("москва", "moscow"),
    ("мюнхен", "munich"),
    ("давос", "davos"),
    ("рамштайн", "ramstein"),
    ("вільнюс", "вильнюс", "vilnius"),
    ("гаага", "hague"),
)


def normalise_language(language: str | None) -> str | None:
    """ "uk-UA" → "uk", "ua" → "uk", "" → None: the analysers know only bare codes."""
    if not language:
        return None
    code = language.strip().lower().replace("_", "-").split("-")[0]
    return "uk" if code == "ua" else code or None


def words(text: str) -> list[str]:
    """Word tokens, hyphenated and apostrophed forms kept whole ("Нью-Йорк", "з'їзд")."""
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """A rough split; good enough to keep one sentence's tense apart from the next one's."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def fold(word: str) -> str:
    """One spelling for uk and ru (see the module docstring)."""
    return _DOUBLE.sub(r"\1", _DROP.sub("", word.lower().translate(_FOLD)))


def word_set(text: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string."""
    return frozenset(text.split())


def folded_set(text: str) -> frozenset[str]:
    """A lemma list written as one string, folded for comparison."""
    return frozenset(fold(w) for w in text.split())


_CYRILLIC = re.compile("[а-яіїєґёА-ЯІЇЄҐЁ]")


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


@lru_cache(maxsize=2)
def analyser(language: str) -> pymorphy3.MorphAnalyzer:
    """One analyser per language for the process: loading a dictionary takes a while."""
    return pymorphy3.MorphAnalyzer(lang=language)


def cyrillic_languages(language: str | None) -> tuple[str, ...]:
    """Which dictionaries to ask about a Cyrillic word: its own, or both when unknown."""
    return (language,) if language in ("uk", "ru") else ("uk", "ru")


@lru_cache(maxsize=65536)
def parses(word: str, language: str) -> tuple[tuple[str, str], ...]:
    """(normal form, tag string) for every parse; tags as strings, since the uk dictionary
    raises on membership tests for grammemes it does not know."""
    return tuple((p.normal_form, str(p.tag)) for p in analyser(language).parse(word))


def english_lemma(word: str) -> str:
    """Lowercase, possessive and plural "s" dropped: enough to match "talks" with "talk"."""
    w = word.lower().replace("’", "'")
    w = w.removesuffix("'s")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def place_key(folded: str) -> str:
    """The alias table's first spelling for a folded place lemma, else the lemma itself."""
    return _ALIAS_INDEX.get(folded, folded)


_ALIAS_INDEX = {fold(alias): fold(row[0]) for row in _PLACE_ALIASES for alias in row}


@lru_cache(maxsize=65536)
def place_lemmas(word: str, language: str | None) -> frozenset[str]:
    """Every plausible dictionary form of a word used as a place name, folded and aliased.

    Person-name parses are skipped ("Львові" is the city, not "Лев"); a word no parse
    recognises as a noun keeps its own form.
    """
    if not is_cyrillic(word):
        return frozenset({place_key(fold(english_lemma(word)))})
    found = {fold(word)}
    for lang in cyrillic_languages(language):
        for normal, tag in parses(word, lang):
            if tag.startswith("NOUN") and not any(g in tag for g in _PERSON):
                found.add(fold(normal))
    return frozenset(place_key(f) for f in found)


# Words that may stand inside a location string without naming the place.
_LOCATION_NOISE = word_set("у в на до із з м місто місті город городе in at the city of near")


@lru_cache(maxsize=4096)
def location_parts(location: str) -> tuple[frozenset[str], ...]:
    """The words of a location, each as its set of place lemmas (uk and ru both tried:
    the location may come from an article in either language)."""
    parts = []
    for word in words(location):
        if word.lower() in _LOCATION_NOISE:
            continue
        parts.append(place_lemmas(word, None))
    return tuple(parts)


def place_terms(location: str | None) -> frozenset[str]:
    """All lemmas a location may take; used to keep the place out of wording overlap."""
    if not location:
        return frozenset()
    return frozenset().union(*location_parts(location))


def text_place_lemmas(text: str, language: str | None) -> frozenset[str]:
    """Every place lemma any word of the text could stand for."""
    lang = normalise_language(language)
    return frozenset().union(*(place_lemmas(w, lang) for w in set(words(text))))


def mentions_place(text: str, language: str | None, location: str) -> bool:
    """True when every word of the location appears in the text in some inflected form."""
    return location_among(text_place_lemmas(text, language), location)


def location_among(place_lemmas: frozenset[str], location: str) -> bool:
    """``mentions_place`` for a text whose ``text_place_lemmas`` are already known."""
    parts = location_parts(location)
    return bool(parts) and all(part & place_lemmas for part in parts)


def places_agree(a: str | None, b: str | None) -> bool:
    """Two locations name one place when their word lemma sets meet word for word
    (the shorter location's words all found in the longer one's); None agrees with any."""
    if a is None or b is None:
        return True
    pa, pb = location_parts(a), location_parts(b)
    if not pa or not pb:
        return True
    short, long_ = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    pool = frozenset().union(*long_)
    return all(part & pool for part in short)


# --- content words -------------------------------------------------------------------------

_CONTENT_POS = ("NOUN", "ADJF", "ADJS", "PRTF", "UNKN", "LATN")
# Lemmas too common in news to tell one event from another (uk, ru; folded when compared).
_STOP_LEMMAS_CYR = folded_set(
    """
рік день тиждень місяць час раз число ранок вечір ніч дата термін початок кінець
січень лютий березень квітень травень червень липень серпень вересень жовтень листопад
грудень понеділок вівторок середа четвер пʼятниця субота неділя сьогоднішній
наступний майбутній минулий запланований призначений новий інший який цей той
новина слово інформація джерело видання агентство повідомлення заява
год день неделя месяц время раз число утро вечер ночь дата срок начало конец
январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь
понедельник вторник среда четверг пятница суббота воскресенье сегодняшний
следующий будущий прошлый запланированный назначенный новый другой который этот тот
новость слово информация источник издание агентство сообщение заявление
"""
)
_STOP_EN = word_set(
    """
a an the and or but if of in on at to for from by with about as into over after before
between during without under within this that these those it its they them their he she
his her we our you your i me my is are was were be been being has have had do does did
will would shall should can could may might must not no yes so than then there here when
where which who whom whose what why how also just only more most other some such very
said says say told according reported report news today tomorrow yesterday week month year
day time next last new first second one two three monday tuesday wednesday thursday friday
saturday sunday january february march april may june july august september october november
december expected scheduled planned set due upcoming take took place held hold meet met
"""
)
STOP_TERMS = _STOP_LEMMAS_CYR | _STOP_EN


def guess_language(text: str, language: str | None) -> str | None:
    """The stated language, or for Cyrillic text of unknown language a guess from the
    letters only one of uk and ru uses; None when nothing tells."""
    lang = normalise_language(language)
    if lang is not None:
        return lang
    low = text.lower()
    uk = sum(low.count(ch) for ch in "іїєґ")
    ru = sum(low.count(ch) for ch in "ыэёъ")
    if uk or ru:
        return "uk" if uk >= ru else "ru"
    return "en" if words(text) else None


def _best_parse(word: str, language: str) -> tuple[str, str]:
    """The first parse that is not a person's name ("НАТО" is not "Ната"), else the first."""
    found = parses(word, language)
    for normal, tag in found:
        if not any(g in tag for g in _PERSON):
            return normal, tag
    return found[0]


def _cyrillic_dictionary(word: str, language: str | None) -> str:
    """The dictionary for a Cyrillic word: the text's language when it has one, else the one
    the word's letters point to, else Ukrainian. A word like "Москва" in an English or Polish
    text has letters of neither alone, and no other dictionary is installed."""
    if language in ("uk", "ru"):
        return language
    guessed = guess_language(word, None)
    return guessed if guessed in ("uk", "ru") else "uk"


@lru_cache(maxsize=131072)
def content_lemma(word: str, language: str | None) -> str | None:
    """The folded lemma of a word that can tell events apart, or None for function words,
    verbs, numbers and the stop list. Verbs are left out on purpose: an announcement and
    its report use the same event with different verbs and tenses."""
    if is_cyrillic(word):
        normal, tag = _best_parse(word, _cyrillic_dictionary(word, language))
        if not tag.startswith(_CONTENT_POS):
            return None
        lemma = fold(normal)
    else:
        lemma = english_lemma(word)
    if len(lemma) < 3 or lemma in STOP_TERMS:
        return None
    return place_key(lemma)


def text_terms(text: str, language: str | None) -> frozenset[str]:
    lang = guess_language(text, language)
    found = {content_lemma(w, lang) for w in set(words(text))}  # each word form once
    return frozenset(t for t in found if t is not None)
