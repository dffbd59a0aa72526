"""Tracker decisions on hand-written uk/ru/en news sentences about a few invented events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ingest.followups.types import Change, FollowUp
from ingest.tracking import (
    COVERAGE_DAYS,
    EventState,
    apply_change,
    event_status,
    event_terms,
    is_coverage,
    same_event,
    state_of,
    time_status,
)
from ingest.tracking_tense import reports_happening
from ingest.tracking_words import mentions_place, places_agree

JAN_6 = date(2026, 1, 6)

PARIS_WHAT = "зустріч лідерів коаліції охочих"
PARIS_SENTENCE = (
    "Як повідомив у суботу президент, зустріч лідерів коаліції охочих відбудеться "
    "6 січня у Парижі, там обговорять гарантії безпеки."
)


def followup(
    sentence: str,
    what: str,
    location: str | None,
    starts_on: date = JAN_6,
    ends_on: date | None = None,
    change: Change | None = None,
    precise: bool = True,
) -> FollowUp:
    return FollowUp(
        starts_on=starts_on,
        ends_on=ends_on or starts_on,
        location=location,
        what=what,
        sentence=sentence,
        confidence=0.8,
        change=change,
        precise=precise,
    )


def paris_terms() -> frozenset[str]:
    return event_terms(PARIS_WHAT, PARIS_SENTENCE, "uk")


# --- time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 5), "upcoming"),
        (date(2026, 1, 6), "due"),
        (date(2026, 1, 7), "due"),
        (date(2026, 1, 8), "due"),
        (date(2026, 1, 9), "past"),
    ],
)
def test_time_status_is_due_on_every_day_of_the_span(today: date, expected: str) -> None:
    assert time_status(date(2026, 1, 6), date(2026, 1, 8), today) == expected


def test_time_status_of_a_one_day_event() -> None:
    day = date(2026, 3, 1)
    statuses = [time_status(day, day, day + timedelta(days=d)) for d in (-1, 0, 1)]
    assert statuses == ["upcoming", "due", "past"]


# --- words and places ----------------------------------------------------------------------


def test_event_terms_are_lemmas_without_stop_words_or_dates() -> None:
    terms = paris_terms()
    other = event_terms("зустріч лідерам", "Лідерам коаліція охочих готує зустріч.", "uk")
    assert {"лидер", "коалиция", "охочий", "зустрич", "париж"} <= terms
    assert {"лидер", "коалиция", "охочий", "зустрич"} <= terms & other
    assert not {"сичень", "субота", "у", "6", "видбутися", "повидомити"} & terms


def test_event_terms_fold_ukrainian_and_russian_spellings_together() -> None:
    uk = event_terms("засідання Ради НАТО", "Засідання Ради НАТО — Україна відбудеться.", "uk")
    ru = event_terms("заседание Совета НАТО", "Заседание Совета НАТО — Украина пройдет.", "ru")
    assert {"нато", "украина"} <= uk & ru


def test_event_terms_in_english_drop_plurals_and_stop_words() -> None:
    terms = event_terms(
        "defence ministers talks", "The ministers will hold talks in Brussels.", "en"
    )
    assert {"minister", "talk", "defence"} <= terms
    assert not {"the", "will", "in"} & terms


@pytest.mark.parametrize(
    ("text", "language", "location"),
    [
        ("Лідери зустрілися у Парижі.", "uk", "Париж"),
        ("Лидеры встретились в Париже.", "ru", "Париж"),
        ("Лідери зустрілися у Парижі.", "uk", "у Парижі"),
        ("Засідання пройшло в Києві.", "uk", "Київ"),
        ("Форум відкрився у Львові.", "uk", "Львів"),
        ("Переговоры прошли в Женеве.", "ru", "Женева"),
        ("Саміт пройшов у Нью-Йорку.", "uk", "Нью-Йорк"),
        ("Leaders met in Paris.", "en", "Париж"),
    ],
)
def test_inflected_place_names_are_found(text: str, language: str, location: str) -> None:
    assert mentions_place(text, language, location)


@pytest.mark.parametrize(
    ("text", "language", "location"),
    [
        ("Лідери зустрілися у Брюсселі.", "uk", "Париж"),
        ("Переговоры прошли в Риме.", "ru", "Женева"),
        ("Leaders met in Berlin.", "en", "Paris"),
    ],
)
def test_other_places_are_not_taken_for_the_event_place(
    text: str, language: str, location: str
) -> None:
    assert not mentions_place(text, language, location)


def test_places_agree_across_inflection_and_missing_places() -> None:
    assert places_agree("у Парижі", "Париж")
    assert places_agree("в Париже", "Париж")
    assert places_agree(None, "Париж")
    assert not places_agree("Париж", "Брюссель")


# --- one event, several announcements ------------------------------------------------------


def test_two_announcements_of_one_meeting_are_the_same_event() -> None:
    a = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі")
    b_sentence = "У вівторок у Парижі проведуть зустріч лідерів коаліції охочих."
    b = followup(b_sentence, "зустріч лідерів коаліції", "Париж")
    assert same_event(a, b, paris_terms(), event_terms(b.what, b.sentence, "uk"))


def test_announcement_without_place_joins_by_wording() -> None:
    a = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі")
    b_sentence = "Наступна зустріч лідерів коаліції охочих запланована на 6 січня."
    b = followup(b_sentence, PARIS_WHAT, None)
    assert same_event(a, b, paris_terms(), event_terms(b.what, b.sentence, "uk"))


def test_same_day_same_city_but_another_event_is_not_the_same() -> None:
    a = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі")
    b_sentence = "6 січня у Парижі відкриється виставка українського авангарду в Луврі."
    b = followup(b_sentence, "виставка українського авангарду", "Парижі")
    assert not same_event(a, b, paris_terms(), event_terms(b.what, b.sentence, "uk"))


def test_same_wording_in_another_city_or_on_another_day_is_not_the_same() -> None:
    a = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі")
    elsewhere = followup(PARIS_SENTENCE.replace("Парижі", "Лондоні"), PARIS_WHAT, "Лондоні")
    later = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі", starts_on=date(2026, 2, 6))
    assert not same_event(a, elsewhere, paris_terms(), paris_terms())
    assert not same_event(a, later, paris_terms(), paris_terms())


def test_vague_span_overlapping_a_precise_one_is_the_same_event() -> None:
    sentence = "Саміт НАТО у Гаазі відбудеться у червні."
    vague = followup(sentence, "саміт НАТО", "Гаага", date(2026, 6, 1), date(2026, 6, 30))
    precise = followup(
        "Саміт НАТО пройде 24 червня в Гаазі.", "саміт НАТО", "Гаазі", date(2026, 6, 24)
    )
    terms_v = event_terms(vague.what, vague.sentence, "uk")
    terms_p = event_terms(precise.what, precise.sentence, "uk")
    assert same_event(vague, precise, terms_v, terms_p)


def test_a_postponement_matches_its_event_despite_the_new_date() -> None:
    a = followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі")
    moved_sentence = "Зустріч лідерів коаліції охочих у Парижі перенесли на 9 січня."
    moved = followup(moved_sentence, PARIS_WHAT, "Парижі", date(2026, 1, 9), change="postponed")
    terms = event_terms(moved.what, moved.sentence, "uk")
    assert same_event(a, moved, paris_terms(), terms)
    plain = followup(moved_sentence, PARIS_WHAT, "Парижі", date(2026, 1, 9))
    assert not same_event(a, plain, paris_terms(), terms)


# --- postponed, cancelled, covered ---------------------------------------------------------


def test_postponement_moves_the_date_and_keeps_the_old_one() -> None:
    state = state_of(followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі"))
    moved = apply_change(
        state, followup("перенесли", PARIS_WHAT, "Парижі", date(2026, 1, 9), change="postponed")
    )
    assert (moved.starts_on, moved.previous_starts_on) == (date(2026, 1, 9), JAN_6)
    assert event_status(moved, date(2026, 1, 7)) == "postponed"
    assert event_status(moved, date(2026, 1, 9)) == "due"
    assert event_status(moved, date(2026, 1, 10)) == "past"
    again = apply_change(
        moved, followup("перенесли", PARIS_WHAT, "Парижі", date(2026, 1, 9), change="postponed")
    )
    assert again == moved


def test_cancellation_is_final() -> None:
    state = state_of(followup(PARIS_SENTENCE, PARIS_WHAT, "Парижі"))
    cancelled = apply_change(state, followup("скасували", PARIS_WHAT, None, change="cancelled"))
    assert event_status(cancelled, date(2026, 1, 1)) == "cancelled"
    later = apply_change(
        cancelled, followup("перенесли", PARIS_WHAT, None, date(2026, 1, 20), change="postponed")
    )
    assert later == cancelled
    assert event_status(later, date(2026, 2, 1)) == "cancelled"


def test_covered_wins_over_dates_and_ignores_later_changes() -> None:
    covered = EventState(starts_on=JAN_6, ends_on=JAN_6, covered=True)
    assert event_status(covered, date(2026, 1, 6)) == "covered"
    assert apply_change(covered, followup("скасували", PARIS_WHAT, None, change="cancelled")) == (
        covered
    )


def test_precise_date_narrows_a_vague_span_but_not_the_other_way() -> None:
    june = EventState(starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30), precise=False)
    exact = apply_change(june, followup("24 червня", "саміт", None, date(2026, 6, 24)))
    assert (exact.starts_on, exact.ends_on, exact.precise) == (
        date(2026, 6, 24),
        date(2026, 6, 24),
        True,
    )
    vague = followup("у червні", "саміт", None, date(2026, 6, 1), date(2026, 6, 30), precise=False)
    assert apply_change(exact, vague) == exact


# --- coverage ------------------------------------------------------------------------------


def paris_coverage(text: str, published: date, language: str) -> bool:
    return is_coverage(text, published, language, JAN_6, JAN_6, "Парижі", paris_terms())


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Лідери коаліції охочих зустрілися у Парижі. Учасники погодили гарантії безпеки "
            "для України.",
            "uk",
        ),
        (
            "В Париже прошла встреча лидеров коалиции. Президент и лидеры обсудили гарантии "
            "безопасности.",
            "ru",
        ),
        ("Сьогодні у Парижі збираються лідери коаліції охочих, щоб обговорити гарантії.", "uk"),
    ],
)
def test_a_later_report_in_the_past_or_today_is_coverage(text: str, language: str) -> None:
    assert paris_coverage(text, JAN_6, language)
    assert paris_coverage(text, JAN_6 + timedelta(days=1), language)


def test_english_report_of_an_english_announcement_is_coverage() -> None:
    what = "coalition of the willing leaders meeting"
    sentence = "Leaders of the coalition of the willing will meet in Paris on January 6."
    terms = event_terms(what, sentence, "en")
    report = "Coalition leaders met in Paris on Tuesday and discussed security guarantees."
    assert is_coverage(report, JAN_6, "en", JAN_6, JAN_6, "Paris", terms)
    again = "The coalition leaders will meet in Paris later today, officials said."
    assert is_coverage(again, JAN_6, "en", JAN_6, JAN_6, "Paris", terms)
    plan = "Coalition leaders are expected to meet in Paris, officials said."
    assert not is_coverage(plan, JAN_6, "en", JAN_6, JAN_6, "Paris", terms)


@pytest.mark.parametrize("language", ["en", "pl", None])
def test_cyrillic_words_in_a_text_of_another_language_are_read_as_cyrillic(
    language: str | None,
) -> None:
    """A Cyrillic word with none of the letters only Ukrainian or Russian uses, in a text of
    another language, is looked up in a Cyrillic dictionary (there was none for "en": the
    coverage check and the event's terms raised, and the article's follow-ups were lost)."""
    text = "Leaders met in Paris on Tuesday; a banner read «Москва — Париж»."
    terms = event_terms("leaders meeting", text, language)
    assert {"москва", "leader"} <= terms
    assert is_coverage(text, JAN_6, language, JAN_6, JAN_6, "Paris", terms)


def test_re_announcement_after_the_start_is_not_coverage() -> None:
    text = (
        "Президент заявив, що зустріч лідерів коаліції охочих у Парижі відбудеться "
        "найближчим часом. Там обговорять гарантії безпеки."
    )
    assert not paris_coverage(text, JAN_6, "uk")


def test_report_from_another_city_is_not_coverage() -> None:
    text = "Лідери коаліції охочих зустрілися у Брюсселі та обговорили гарантії безпеки."
    assert not paris_coverage(text, JAN_6, "uk")


def test_report_published_before_the_start_or_much_later_is_not_coverage() -> None:
    text = "Лідери коаліції охочих зустрілися у Парижі та обговорили гарантії безпеки."
    assert paris_coverage(text, JAN_6 + timedelta(days=COVERAGE_DAYS), "uk")
    assert not paris_coverage(text, JAN_6 - timedelta(days=1), "uk")
    assert not paris_coverage(text, JAN_6 + timedelta(days=COVERAGE_DAYS + 1), "uk")


def test_same_city_same_day_other_event_is_not_coverage() -> None:
    text = "У Парижі відкрилася виставка українського авангарду. Її відвідали тисячі людей."
    assert not paris_coverage(text, JAN_6, "uk")


def test_cancellation_news_is_not_coverage() -> None:
    text = "Зустріч лідерів коаліції охочих у Парижі скасували через негоду."
    assert not paris_coverage(text, JAN_6, "uk")


@pytest.mark.parametrize(
    ("sentence", "language", "expected"),
    [
        ("Засідання відбулося у середу.", "uk", True),
        ("Засідання не відбулося.", "uk", False),
        ("Міністр заявив, що засідання відбудеться.", "uk", False),
        ("Заседание запланировано на среду.", "ru", False),
        ("Вчера в Женеве завершились переговоры.", "ru", True),
        ("Переговоры продолжаются в Женеве.", "ru", True),
        ("The talks were called off.", "en", False),
        ("The summit did not take place.", "en", False),
        ("The summit was not held in Rome.", "en", False),
        ("The summit opened in Rome.", "en", True),
    ],
)
def test_tense_of_single_sentences(sentence: str, language: str, expected: bool) -> None:
    assert reports_happening(sentence, language) is expected
