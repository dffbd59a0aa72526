"""What an English announcement's event is called in reports: subject and main verb, or the
event noun's phrase without the verb group and dangling prepositions after it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.followups import find_followups

PUBLISHED = datetime(2026, 1, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sentence", "what"),
    [
        # Named by the auxiliary before: "will", "to", "must".
        ("The foreign ministers will meet in Warsaw on January 14.", "foreign ministers meet"),
        ("The ministers will gather in Brussels on Monday.", "ministers gather"),
        (
            "NATO defence ministers are due to meet in Brussels on 12-13 February.",
            "NATO defence ministers meet",
        ),
        ("On Wednesday, the leaders agreed to meet again in two weeks.", "leaders meet"),
        ("Parliament must approve the budget by June 30.", "Parliament approve budget"),
        ("Zelensky and Trump will talk on Sunday.", "Zelensky and Trump talk"),
        ("Prices rose and the ministers will meet on Monday.", "ministers meet"),
        # An event noun's phrase, which ran into the verb group or kept its preposition.
        ("The hearing has been delayed until Feb. 2.", "hearing"),
        ("The EU summit on March 19-20, 2026 will focus on defence.", "summit"),
        ("Defence ministers will hold talks in Brussels on January 6.", "talks in Brussels"),
        # Unchanged: an event noun alone.
        ("Talks will resume in Istanbul on Jan. 8.", "talks"),
        ("The conference runs from 12 to 14 November 2026 in Vienna.", "conference"),
    ],
)
def test_english_events_are_named_by_their_subject_and_verb_or_noun(
    sentence: str, what: str
) -> None:
    (found,) = find_followups(sentence, PUBLISHED, "en")
    assert found.what == what


def test_ukrainian_names_are_unchanged() -> None:
    (found,) = find_followups(
        "Лідери зустрінуться 6 січня у Парижі, щоб обговорити гарантії.", PUBLISHED, "uk"
    )
    assert found.what == "зустрінутися"
