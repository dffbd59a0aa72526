"""The uk↔ru anchor fingerprint on the hand-written story pairs in fixtures/translations."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from bench.translation import load_stories, rates, score_pairs
from ingest.dedup import Signature
from ingest.translation import (
    MIN_ANCHORS,
    TRANSLATION_THRESHOLD,
    Version,
    anchors,
    is_translation,
    translation_band_keys,
    translation_signature,
)
from tests.conftest import PROJECT_ROOT

STORIES = {story.name: story for story in load_stories()}
NOON = datetime(2026, 1, 12, 12, 0, tzinfo=UTC)


def _version(text: str, language: str, host: str = "rbc.ua", hours: float = 0) -> Version:
    sig = translation_signature(text, language)
    assert sig is not None
    return Version(sig, language, host, NOON + timedelta(hours=hours))


def test_anchors_agree_across_spellings_and_inflections() -> None:
    uk = anchors("Вчора в Харкові Олександр Зеленський сказав: 12 000 гривень, 1,5 млрд, 15 січня.")
    ru = anchors("Вчера в Харькове Александр Зеленский сказал: 12 000 гривен, 1,5 млрд, 15 января.")
    assert uk == ru
    assert {"n:12000", "n:1.5e9", "d:15.1", "p:хркв"} <= uk


def test_anchors_skip_words_that_only_look_like_months_or_scales() -> None:
    found = anchors("Ремонт тривав майже 40 годин, тиск у мережі впав.")
    assert found == {"n:40"}


def test_sentence_openers_are_not_names() -> None:
    assert anchors("Він сказав. Вона відповіла.") == frozenset()


def test_signature_only_for_uk_and_ru_with_enough_anchors() -> None:
    text = STORIES["nbu_rate"].uk
    assert translation_signature(text, "en") is None
    assert translation_signature(text, None) is None
    assert translation_signature(text, "uk-UA") is not None
    assert translation_signature("Він сказав, що 5 осіб.", "uk") is None
    assert MIN_ANCHORS > 1


def test_signature_round_trips_and_band_keys_are_stable_across_processes() -> None:
    sig = translation_signature(STORIES["rada_tax"].ru, "ru")
    assert sig is not None and Signature.from_bytes(sig.to_bytes()) == sig
    keys = translation_band_keys(sig)
    assert keys and all(key.startswith("x") for key in keys)
    code = (
        "from bench.translation import load_stories;"
        "from ingest.translation import translation_band_keys, translation_signature;"
        "s = {x.name: x for x in load_stories()}['rada_tax'];"
        "print(translation_band_keys(translation_signature(s.ru, 'ru')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(keys)
    assert translation_band_keys(None) == []


def test_each_story_matches_its_translation_only() -> None:
    for story in STORIES.values():
        uk = _version(story.uk, "uk")
        assert is_translation(uk, _version(story.ru, "ru", hours=1)), story.name
        for other in STORIES.values():
            if other.cluster == story.cluster and other is not story:
                assert not is_translation(uk, _version(other.ru, "ru")), (story.name, other.name)


def test_same_day_follow_up_is_not_a_translation() -> None:
    original = _version(STORIES["kharkiv_shelling"].uk, "uk")
    update = _version(STORIES["kharkiv_shelling_update"].ru, "ru", hours=8)
    assert not is_translation(original, update)


def test_rule_needs_two_languages_one_host_and_one_day() -> None:
    story = STORIES["finance_imf"]
    uk, ru = _version(story.uk, "uk"), _version(story.ru, "ru")
    assert is_translation(uk, ru) and is_translation(ru, uk)
    assert not is_translation(uk, _version(story.uk, "uk"))
    assert not is_translation(uk, _version(story.ru, "ru", host="other.ua"))
    assert is_translation(uk, _version(story.ru, "ru", host="www.rbc.ua"))
    assert not is_translation(uk, _version(story.ru, "ru", hours=30))
    naive = Version(ru.signature, "ru", "rbc.ua", NOON.replace(tzinfo=None))
    assert is_translation(uk, naive)
    assert not is_translation(uk, Version(ru.signature, "ru", "rbc.ua", None))


def test_evaluation_set_meets_the_precision_target() -> None:
    pairs = score_pairs(list(STORIES.values()))
    assert sum(p.kind == "positive" for p in pairs) >= 25
    assert sum(p.kind == "hard" for p in pairs) >= 50
    precision, recall, false_positives, _ = rates(pairs, TRANSLATION_THRESHOLD)
    assert false_positives == 0 and precision == 1.0
    assert recall >= 0.95
