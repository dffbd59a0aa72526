from __future__ import annotations

from ingest.followups.sentences import split_sentences


def test_abbreviated_months_and_years_do_not_end_a_sentence() -> None:
    text = "Саміт пройде 15 лют. 2026 р. у Відні. Talks resume on Jan. 12 in Oslo. Далі буде."
    parts = [s.text for s in split_sentences(text)]
    assert parts == [
        "Саміт пройде 15 лют. 2026 р. у Відні.",
        "Talks resume on Jan. 12 in Oslo.",
        "Далі буде.",
    ]


def test_initials_and_line_breaks() -> None:
    text = "Заяву зробив К. Мельник у Львові.\nНова зустріч — у вівторок"
    parts = split_sentences(text)
    assert [p.text for p in parts] == [
        "Заяву зробив К. Мельник у Львові.",
        "Нова зустріч — у вівторок",
    ]
    assert all(text[p.start : p.start + len(p.text)] == p.text for p in parts)


def test_quotes_and_question_marks() -> None:
    text = 'Чи відбудеться зустріч? "Так, у середу", — сказав він. Справжня дата невідома!'
    assert len(split_sentences(text)) == 3
