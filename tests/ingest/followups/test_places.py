from __future__ import annotations

import pytest

from ingest.followups.places import find_places


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("зустріч відбудеться у Києві", "uk", ["Київ"]),
        ("засідання пройде у Львові", "uk", ["Львів"]),
        ("форум відкриється в Ер-Ріяді", "uk", ["Ер-Ріяд"]),
        ("саміт у Саудівській Аравії", "uk", ["Саудівська Аравія"]),
        ("делегація прибуде до Варшави", "uk", ["Варшава"]),
        ("прем'єр відвідає Прагу", "uk", ["Прага"]),
        ("переговоры в Вене и в Эр-Рияде", "ru", ["Вена", "Эр-Рияд"]),
        ("talks in New York and Abu Dhabi", "en", ["New York"]),
        ("summit at Evian", "en", ["Evian"]),
        ("зберуться у столиці Франції", "uk", ["Paris"]),
    ],
)
def test_venues_in_the_nominative(text: str, language: str, names: list[str]) -> None:
    assert [p.name for p in find_places(text, language)] == names  # type: ignore[arg-type]


def test_genitive_modifiers_and_institutions_are_not_venues() -> None:
    assert find_places("Візит міністра оборони Польщі обговорили у Верховній Раді", "uk") == []
    assert find_places("The May meeting of the Council", "en") == []


def test_offsets_point_at_the_name() -> None:
    text = "Нарада пройде в Одесі"
    (place,) = find_places(text, "uk")
    assert text[place.start : place.end] == "Одесі"
