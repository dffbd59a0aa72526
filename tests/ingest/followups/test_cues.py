"""The cue scan that decides which sentences, and which patterns, the date grammar tries."""

from __future__ import annotations

import json
import re

import pytest

from ingest.followups.calendar_words import alternation, spellings
from ingest.followups.dates import find_cues, find_timexes
from ingest.followups.sentences import split_sentences
from ingest.followups.spans import Shift
from tests.conftest import require_shared

TEXT = (
    "Саміт пройде 15 лют. 2026 р. у Відні.\n"
    "«Завтра» уряд збереться знову. Talks may resume in May.\n"
    "Рада має 450 депутатів."
)


def test_keys_and_years_with_their_offsets() -> None:
    cues = find_cues(TEXT)
    assert cues is not None
    assert [(TEXT[offset : offset + 6], key) for offset, key in cues] == [
        ("лют. 2", "лют."),
        ("2026 р", "<19xx|20xx>"),
        ("Завтра", "завтра"),
        ("May.\nР", "may"),  # the capitalised month only, not "may resume"
    ]


@pytest.mark.parametrize("odd", ["ᲄ", "ı", "İ"])
def test_letters_lower_case_cannot_speak_for_turn_the_scan_off(odd: str) -> None:
    assert find_cues(f"наступного тижня {odd}") is None


def test_a_sentence_keeps_its_time_expressions_through_odd_letters() -> None:
    # Python matches "ᲄ" for "т" case-insensitively, and so does the grammar.
    assert [t.when for t in find_timexes("наступного ᲄижня")] == [Shift("week", 1)]


def test_only_sentences_around_the_offsets_are_returned() -> None:
    cues = find_cues(TEXT)
    assert cues is not None
    offsets = [offset for offset, _ in cues]
    every = split_sentences(TEXT)
    assert split_sentences(TEXT, offsets) == [
        s for s in every if any(s.start <= o < s.start + len(s.text) for o in offsets)
    ]
    assert [s.text for s in split_sentences(TEXT, offsets)] == [
        "Саміт пройде 15 лют. 2026 р. у Відні.",
        "«Завтра» уряд збереться знову.",
        "Talks may resume in May.",
    ]


@pytest.mark.corpus
def test_keys_from_the_whole_text_find_what_each_sentence_finds() -> None:
    lines = require_shared("eval", "followups-dev.jsonl").read_text(encoding="utf-8")
    for text in (json.loads(line)["text"] for line in lines.splitlines() if line.strip()):
        cues = find_cues(text)
        assert cues is not None
        for sentence in split_sentences(text):
            end = sentence.start + len(sentence.text)
            keys = {key for offset, key in cues if sentence.start <= offset < end}
            assert find_timexes(sentence.text, keys) == find_timexes(sentence.text)


def test_relative_phrases_are_spelled_out() -> None:
    assert spellings(r"[ув]\s+наступному\s+році|(?:later\s+)?this\s+year") == [
        "у наступному році",
        "в наступному році",
        "this year",
        "later this year",
    ]
    with pytest.raises(ValueError):
        spellings(r"\d+\s+днів")


def test_a_factored_alternation_matches_as_the_plain_one() -> None:
    words = ["січ", "січень", "січня", "a", "an", "and", "травня"]
    plain = "|".join(sorted(words, key=len, reverse=True))
    text = "січня січ. січень an and a травнями"
    assert [m.span() for m in re.finditer(f"(?:{alternation(words)})", text)] == [
        m.span() for m in re.finditer(f"(?:{plain})", text)
    ]
