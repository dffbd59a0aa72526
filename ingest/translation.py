"""A language-neutral fingerprint that finds the uk and ru versions of one agency article.

An agency that publishes each story in Ukrainian and Russian translates it sentence by
sentence, so the two texts share almost no word, but they share their *anchors*: the numbers
(amounts, percentages, days of the month), the months as numbers, words in Latin script, and
the proper names. Names are spelled differently in the two languages ("Харків"/"Харьков",
"Олександр"/"Александр", "Зеленського"/"Зеленского") and inflected; a coarse consonant
skeleton (vowels, й, soft and hard signs, apostrophes dropped; ґ→г, щ→ш; doubled letters
collapsed) cut to its first four letters makes both spellings one anchor. Two different
stories on one subject share their names but hardly their numbers, so the anchor sets of a
translation pair overlap far more than those of two stories about the same minister or city.

The anchor set is MinHashed like the near-duplicate signature and banded with its own prefix
("x{band}:"), so candidates come from the same band table. The match rule also asks for
different languages, one host (the two versions live on one site) and publication times
within a day: anchors alone cannot separate a translation from a same-site recap of the story
a week later.

Known limits: a name whose uk and ru forms differ in their consonants ("Німеччина"/"Германия",
"ЗСУ"/"ВСУ") misses unless it is in the small alias table; a text with fewer than
MIN_ANCHORS anchors (a short item without numbers or names) gets no signature at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.dedup import Signature, _bands, _jaccard, _minhash
from ingest.urls import BadURL, url_key

__all__ = [
    "MAX_TIME_APART",
    "MIN_ANCHORS",
    "TRANSLATION_THRESHOLD",
    "Version",
    "anchors",
    "is_translation",
    "numbers_similarity",
    "translation_band_keys",
    "translation_score",
    "translation_signature",
    "translation_similarity",
]

LANGUAGES = ("uk", "ru")
PERMUTATIONS = 128
NUMBER_PERMUTATIONS = 64
# Below this many numbers on either side the numbers alone are not compared.
MIN_NUMBERS = 3
# 42 bands of 3 rows: a pair at anchor Jaccard 0.5 shares a band with probability 0.996, one at
# 0.1 with 0.04, so same-subject stories seldom become candidates at all.
BANDS = (42, 3)
# Fewer anchors than this and two unrelated short items can agree by chance.
MIN_ANCHORS = 6
# translation_score at which two versions are one article. bench.translation on the 28
# hand-written stories of tests/ingest/fixtures/translations (28 uk/ru positives, 60 same-subject
# negatives, 696 others), through LSH: positives 0.64-1.0 (median 1.0), same-subject negatives
# at most 0.40 (median 0.09), others at most 0.16; precision 1.0 and recall 1.0 from 0.40 to
# 0.60, recall 0.96 at 0.65. 0.5 sits mid-gap. Without the numbers check a same-day follow-up
# of a story scored 0.57 against it, above the weakest translation.
TRANSLATION_THRESHOLD = 0.5
MAX_TIME_APART = timedelta(hours=24)
SKELETON_LETTERS = 4

_UK_MONTHS = (
    "січ",
    "лют",
    "берез",
    "квіт",
    "трав",
    "черв",
    "лип",
    "серп",
    "верес",
    "жовт",
    "листопад",
    "груд",
)
_RU_MONTHS = (
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
)


def _month_forms(stem: str, uk: bool) -> list[str]:
    if stem == "лют":
        endings: tuple[str, ...] = ("ий", "ого", "ому")
    elif stem == "листопад":
        endings = ("", "а", "і")
    elif uk:
        endings = ("ень", "ня", "ні")
    elif stem in ("март", "август"):
        endings = ("", "а", "е")
    elif stem == "ма":
        endings = ("й", "я", "е")
    else:
        endings = ("ь", "я", "е")
    return [stem + ending for ending in endings]


# Whole forms, not prefixes: "майже", "червоний", "трава" are no months.
_MONTHS = {
    form: number
    for stems, uk in ((_UK_MONTHS, True), (_RU_MONTHS, False))
    for number, stem in enumerate(stems, start=1)
    for form in _month_forms(stem, uk)
}
_SCALES = {"тис": 3, "тыс": 3, "млн": 6, "млрд": 9, "трлн": 12}
_SCALE_STEMS = (
    ("тисяч", 3),
    ("тысяч", 3),
    ("мільйон", 6),
    ("миллион", 6),
    ("мільярд", 9),
    ("миллиард", 9),
    ("трильйон", 12),
    ("триллион", 12),
)
# Words whose uk and ru forms have different consonants, as skeletons: each maps to the first.
_ALIASES = (
    ("нмчн", "грмн"),  # Німеччина / Германия
    ("гршн", "внгр"),  # Угорщина / Венгрия
    ("трчн", "трц"),  # Туреччина / Турция
    ("слвч", "слвк"),  # Словаччина / Словакия
    ("мклв", "нклв"),  # Миколаїв / Николаев
    ("зс", "вс"),  # ЗСУ / ВСУ
    ("мзс", "мд"),  # МЗС / МИД
    ("пдв", "ндс"),  # ПДВ / НДС
    ("дснс", "гсчс"),  # ДСНС / ГСЧС
    ("мжнр", "мждн"),  # Міжнародний / Международный
    ("спл", "сдн"),  # Сполучені / Соединенные (Штати)
    ("врмн", "рмн"),  # Вірменія / Армения
)
_ALIAS = {spelling: row[0] for row in _ALIASES for spelling in row}

_APOSTROPHES = str.maketrans(dict.fromkeys(map(ord, "’ʼ‘`´′"), "'"))
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:[ \u00a0\u202f]\d{3}(?!\d))*|[^\W\d_]+(?:['-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\W]*[^\W\d_])|\n+")
_SKELETON = str.maketrans(
    {**dict.fromkeys(map(ord, "аеєиіїоуюяыэёйьъ'-"), None), ord("ґ"): "г", ord("щ"): "ш"}
)
_DOUBLE = re.compile(r"(.)\1+")


@dataclass(frozen=True)
class Version:
    """What the match rule needs to know about one stored language version."""

    signature: Signature
    language: str | None
    host: str
    published_at: datetime | None


def _is_cyrillic(word: str) -> bool:
    return all("а" <= ch <= "я" or ch in "іїєґёыэъ'-" for ch in word.lower())


def _skeleton(word: str) -> str:
    """The consonants of a Cyrillic word, as uk and ru both spell them, cut to a stem."""
    bare = _DOUBLE.sub(r"\1", word.lower().translate(_SKELETON))
    stem = bare[:SKELETON_LETTERS]
    return _ALIAS.get(stem, stem)


def _number(token: str) -> str:
    """ "12 000" → "12000", "1,5" → "1.5", "05" → "5"; a dotted date keeps its parts."""
    token = re.sub(r"[ \u00a0\u202f]", "", token).replace(",", ".")
    parts = token.split(".")
    if len(parts) == 2 and len(parts[1]) != 3:
        whole, frac = parts
        frac = frac.rstrip("0")
        return f"{int(whole)}.{frac}" if frac else str(int(whole))
    if len(parts) == 2:  # "12.000" is a thousands separator, not a fraction
        return str(int(parts[0] + parts[1]))
    return ".".join(str(int(p)) for p in parts)


def _month(word: str) -> int | None:
    return _MONTHS.get(word.lower())


def _scale(word: str) -> int | None:
    low = word.lower()
    if low in _SCALES:
        return _SCALES[low]
    return next((power for stem, power in _SCALE_STEMS if low.startswith(stem)), None)


def anchors(text: str) -> frozenset[str]:
    """Numbers ("n:"), day-month dates ("d:"), months ("m:"), Latin words ("l:") and the
    skeletons of capitalised Cyrillic words that do not open a sentence ("p:")."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    found: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        tokens = _TOKEN.findall(sentence)
        for i, token in enumerate(tokens):
            after = tokens[i + 1] if i + 1 < len(tokens) else ""
            if token[0].isdigit():
                value = _number(token)
                month, scale = _month(after), _scale(after)
                if month is not None and value.isdigit() and 1 <= int(value) <= 31:
                    found.add(f"d:{value}.{month}")
                elif scale is not None:
                    found.add(f"n:{value}e{scale}")
                else:
                    found.add(f"n:{value}")
            elif not _is_cyrillic(token):
                if token.isascii() and len(token) > 1:
                    found.add(f"l:{token.lower()}")
            elif (month := _month(token)) is not None and token.islower():
                found.add(f"m:{month}")
            elif i > 0 and token[0].isupper():
                skeleton = _skeleton(token)
                if len(skeleton) >= 2:
                    found.add(f"p:{skeleton}")
    return frozenset(found)


def translation_signature(text: str, language: str | None) -> Signature | None:
    """MinHash of the text's anchors, then of its numbers alone (in the ``lead`` slot);
    None outside uk/ru or below MIN_ANCHORS anchors."""
    lang = (language or "").strip().lower().replace("_", "-").split("-")[0]
    if lang == "ua":
        lang = "uk"
    if lang not in LANGUAGES:
        return None
    found = anchors(text)
    if len(found) < MIN_ANCHORS:
        return None
    numbers = {a for a in found if a.startswith(("n:", "d:"))}
    return Signature(
        _minhash(set(found), PERMUTATIONS),
        _minhash(numbers, NUMBER_PERMUTATIONS) if numbers else (),
        len(found),
        len(numbers),
    )


def translation_band_keys(sig: Signature | None) -> list[str]:
    """LSH band keys "x{band}:…", apart from the near-duplicate bands in the same table."""
    if sig is None or sig.size == 0:
        return []
    return _bands("x", sig.values, *BANDS)


def translation_similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two anchor sets."""
    return _jaccard(a.values, b.values) if a.size and b.size else 0.0


def numbers_similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard of the numbers alone; 1.0 when either text has too few to judge."""
    if min(a.lead_size, b.lead_size) < MIN_NUMBERS:
        return 1.0
    return _jaccard(a.lead, b.lead)


def translation_score(a: Signature, b: Signature) -> float:
    """The lower of the two similarities: a follow-up repeats the names and the date of the
    story it updates, but its counts and amounts are new."""
    return min(translation_similarity(a, b), numbers_similarity(a, b))


def _language(version: Version) -> str | None:
    code = (version.language or "").lower().split("-")[0]
    return "uk" if code == "ua" else code or None


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def alternate_keys(alternates: Iterable[tuple[str, str]], language: str | None) -> list[str]:
    """URL keys of the other language versions a page names (``hreflang``), its own skipped."""
    own = (language or "").lower()
    keys: list[str] = []
    for lang, url in alternates:
        if own and lang.split("-")[0].lower() == own:
            continue
        try:
            keys.append(url_key(url))
        except BadURL:
            continue
    return keys


@dataclass(frozen=True)
class Stored:
    """A stored article the translation rule may compare a new one with."""

    article_id: int
    text: str
    language: str | None
    host: str
    published_at: datetime | None


def first_translation(me: Version, stored: Iterable[Stored]) -> int | None:
    """The first stored article that is the other language version of ``me``, if any."""
    for other in stored:
        sig = translation_signature(other.text, other.language)
        if sig is not None and is_translation(
            me, Version(sig, other.language, other.host, other.published_at)
        ):
            return other.article_id
    return None


def is_translation(a: Version, b: Version) -> bool:
    """uk and ru versions on one host, published within a day, with matching anchors."""
    if {_language(a), _language(b)} != set(LANGUAGES):
        return False
    if a.host.lower().removeprefix("www.") != b.host.lower().removeprefix("www."):
        return False
    if a.published_at is None or b.published_at is None:
        return False
    if abs(_utc(a.published_at) - _utc(b.published_at)) > MAX_TIME_APART:
        return False
    return translation_score(a.signature, b.signature) >= TRANSLATION_THRESHOLD
