"""The normalisation's character replacement is ``str.translate``, only faster."""

from __future__ import annotations

import random

from ingest.dedup_text import _FOLD, _INVISIBLE, normalize_text, replacer

# Characters a regular expression's character class treats specially, and ordinary ones.
_AWKWARD = {ord(c): "x" for c in "]^-\\[.*"} | {ord("a"): None, ord("я"): "ї"}


def _random_text(rng: random.Random, table: dict[int, str | None]) -> str:
    alphabet = [chr(k) for k in table] + list("abc я\n'\"-]^\\") + ["ё", "Ё", "\u00ad"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))


def test_replacer_equals_translate_on_random_texts() -> None:
    rng = random.Random(20260105)
    for table in (_FOLD, _INVISIBLE, _AWKWARD):
        replace = replacer(table)
        for _ in range(2000):
            text = _random_text(rng, table)
            assert replace(text) == text.translate(table), repr(text)


def test_normalize_folds_every_typographic_variant() -> None:
    text = "«Ё» — ‘it’s’ ‐ „x“\u00ad\u200bу"
    assert normalize_text(text) == '"е" - \'it\'s\' - "x"у'
