"""End-to-end cases written for this suite: announced vs reported events in uk, ru and en."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ingest.followups import FollowUp, find_followups

KYIV_WINTER = timezone(timedelta(hours=2))
KYIV_SUMMER = timezone(timedelta(hours=3))


def at(day: str, tz: timezone = KYIV_WINTER) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=tz)


def spans(found: list[FollowUp]) -> set[tuple[str, str]]:
    return {(f.starts_on.isoformat(), f.ends_on.isoformat()) for f in found}


def one(day: str, last: str | None = None) -> tuple[str, str]:
    return (day, last or day)


# (text, published, language, expected spans, {span start: location})
CASES = [
    ("Прем'єр-міністри двох країн зустрінуться 14 січня у Варшаві.",
     at("2026-01-03"), "uk", {one("2026-01-14")}, {"2026-01-14": "Варшава"}),
    ("Переговори в Стамбулі відбулися 28 грудня.", at("2026-01-03"), "uk", set(), {}),
    ("Наступне засідання уряду відбудеться 8 січня.",
     at("2025-12-29"), "uk", {one("2026-01-08")}, {}),
    ("У середу в Брюсселі зберуться міністри оборони країн НАТО.",
     at("2026-01-03"), "uk", {one("2026-01-07")}, {"2026-01-07": "Брюссель"}),
    ("У середу в Брюсселі зібралися міністри оборони.", at("2026-01-03"), "uk", set(), {}),
    ("Наступного вівторка президент проведе нараду з губернаторами.",
     at("2026-01-03"), "uk", {one("2026-01-06")}, {}),
    ("Делегація вирушить до Лондона наступного тижня.",
     at("2026-01-07"), "uk", {one("2026-01-12", "2026-01-18")}, {"2026-01-12": "Лондон"}),
    ("Наступного місяця у Женеві стартує новий раунд консультацій.",
     at("2026-01-03"), "uk", {one("2026-02-01", "2026-02-28")}, {"2026-02-01": "Женева"}),
    ("Міжнародний форум пройде 23–24 червня в Ризі.",
     at("2026-05-10", KYIV_SUMMER), "uk", {one("2026-06-23", "2026-06-24")},
     {"2026-06-23": "Рига"}),
    ("З 1 по 20 вересня у Києві триватимуть навчання рятувальників.",
     at("2026-08-01", KYIV_SUMMER), "uk", {one("2026-09-01", "2026-09-20")},
     {"2026-09-01": "Київ"}),
    ("Засідання комісії призначено на 25.10.2026.",
     at("2026-10-01", KYIV_SUMMER), "uk", {one("2026-10-25")}, {}),
    ("Уряд має подати проєкт бюджету до 15 вересня.",
     at("2026-09-01", KYIV_SUMMER), "uk", {one("2026-09-15")}, {}),
    ("Саміт лідерів ЄС відбудеться 18 березня у Брюсселі. "
     "Напередодні там зберуться міністри закордонних справ.",
     at("2026-03-10"), "uk", {one("2026-03-18"), one("2026-03-17")}, {"2026-03-18": "Брюссель"}),
    ("Засідання, заплановане на 9 лютого, перенесли на 16 лютого.",
     at("2026-02-01"), "uk", {one("2026-02-16")}, {}),
    ("Голосування перенесли з 20 на 27 квітня.",
     at("2026-04-10", KYIV_SUMMER), "uk", {one("2026-04-27")}, {}),
    ("Візит прем'єра до Варшави, запланований на 12 травня, скасували.",
     at("2026-05-05", KYIV_SUMMER), "uk", {one("2026-05-12")}, {"2026-05-12": "Варшава"}),
    ("Нагадаємо, 1 січня набув чинності новий закон про платформи.",
     at("2026-01-03"), "uk", set(), {}),
    ("Завтра у Харкові відкриється оновлений вокзал.",
     at("2026-01-03"), "uk", {one("2026-01-04")}, {"2026-01-04": "Харків"}),
    ("Сьогодні у Львові відбувся форум підприємців.", at("2026-01-03"), "uk", set(), {}),
    ("Вибори мера можуть відбутися восени.",
     at("2026-03-01"), "uk", {one("2026-09-01", "2026-11-30")}, {}),
    ("Міністр заявив, що переговори з ЄС продовжаться 21 січня у Брюсселі.",
     at("2026-01-03"), "uk", {one("2026-01-21")}, {"2026-01-21": "Брюссель"}),
    ("Конференція відбудеться 15 лют. 2026 р. у Відні, повідомили організатори.",
     at("2026-01-20"), "uk", {one("2026-02-15")}, {"2026-02-15": "Відень"}),
    ("6 січня 2025 року у Рамштайні відбулася зустріч міністрів.",
     at("2026-01-03"), "uk", set(), {}),
    ("Минулого тижня делегації зустрілися в Женеві, а наступна зустріч запланована "
     "на 20 січня в Римі.", at("2026-01-03"), "uk", {one("2026-01-20")}, {"2026-01-20": "Рим"}),
    ("Встреча министров иностранных дел состоится 12 февраля в Берлине.",
     at("2026-02-02"), "ru", {one("2026-02-12")}, {"2026-02-12": "Берлин"}),
    ("Переговоры прошли 30 января в Анкаре.", at("2026-02-02"), "ru", set(), {}),
    ("В четверг в Москве пройдет заседание Госсовета.",
     at("2026-02-02"), "ru", {one("2026-02-05")}, {"2026-02-05": "Москва"}),
    ("На следующей неделе депутаты рассмотрят поправки.",
     at("2026-02-02"), "ru", {one("2026-02-09", "2026-02-15")}, {}),
    ("Выставка продлится с 5 по 9 марта в Минске.",
     at("2026-02-20"), "ru", {one("2026-03-05", "2026-03-09")}, {"2026-03-05": "Минск"}),
    ("Саммит, который должен был пройти 15 марта, отменили.",
     at("2026-03-01"), "ru", {one("2026-03-15")}, {}),
    ("Голосование перенесли на 20 марта.", at("2026-03-01"), "ru", {one("2026-03-20")}, {}),
    ("Накануне, 11 марта, в Вене соберутся эксперты.",
     at("2026-03-01"), "ru", {one("2026-03-11")}, {"2026-03-11": "Вена"}),
    ("Форум пройдет 22 января в Ташкенте.",
     at("2025-12-27"), "ru", {one("2026-01-22")}, {"2026-01-22": "Ташкент"}),
    ("Вчера в Киеве завершилось совещание.", at("2026-02-02"), "ru", set(), {}),
    ("The foreign ministers will meet in Warsaw on January 14.",
     at("2026-01-03"), "en", {one("2026-01-14")}, {"2026-01-14": "Warsaw"}),
    ("Officials met in Geneva on December 29 to discuss the plan.",
     at("2026-01-03"), "en", set(), {}),
    ("The conference runs from 12 to 14 November in Vienna.",
     at("2026-10-20"), "en", {one("2026-11-12", "2026-11-14")}, {"2026-11-12": "Vienna"}),
    ("A vote is scheduled for next Thursday.", at("2026-01-03"), "en", {one("2026-01-08")}, {}),
    ("The summit, originally set for March 3, has been postponed to March 17.",
     at("2026-02-20"), "en", {one("2026-03-17")}, {}),
    ("The ceremony planned for May 9 was cancelled.",
     at("2026-05-01"), "en", {one("2026-05-09")}, {}),
    ("The new rules take effect on 1 July 2026.",
     at("2026-06-15"), "en", {one("2026-07-01")}, {}),
    ("The delegation arrived in Kyiv yesterday.", at("2026-01-03"), "en", set(), {}),
    ("Talks will resume in Istanbul on Jan. 8.",
     at("2025-12-30"), "en", {one("2026-01-08")}, {"2026-01-08": "Istanbul"}),
    ("Parliament must approve the budget by June 30.",
     at("2026-06-01"), "en", {one("2026-06-30")}, {}),
    ("The leaders agreed on Wednesday to meet again next month in Paris.",
     at("2026-01-09"), "en", {one("2026-02-01", "2026-02-28")}, {"2026-02-01": "Paris"}),
    ("Вже 12 січня делегація вирушить до Вашингтона.",
     at("2026-01-03"), "uk", {one("2026-01-12")}, {"2026-01-12": "Вашингтон"}),
    ("Рішення очікують наприкінці лютого.",
     at("2026-01-03"), "uk", {one("2026-02-21", "2026-02-28")}, {}),
    ("Про це домовилися 30 грудня під час телефонної розмови.", at("2026-01-03"), "uk", set(), {}),
    ("Другий раунд переговорів пройде в Абу-Дабі 14–15 січня.",
     at("2026-01-03"), "uk", {one("2026-01-14", "2026-01-15")}, {"2026-01-14": "Абу-Дабі"}),
    ("Зеленський і Трамп поговорять у неділю.", at("2026-01-03"), "uk", {one("2026-01-04")}, {}),
    ("Засідання Ради безпеки ООН відбудеться 16-го січня у Нью-Йорку.",
     at("2026-01-03"), "uk", {one("2026-01-16")}, {"2026-01-16": "Нью-Йорк"}),
    ("Українська делегація 8 січня прибуде до Анкари для переговорів.",
     at("2026-01-03"), "uk", {one("2026-01-08")}, {"2026-01-08": "Анкара"}),
    ("Про це він сказав у п'ятницю, 2 січня, під час брифінгу.", at("2026-01-03"), "uk", set(), {}),
    ("Зустріч у форматі E3 відбудеться в Лондоні в середу.",
     at("2026-01-03"), "uk", {one("2026-01-07")}, {"2026-01-07": "Лондон"}),
    ("Вже завтра, 4 січня, до Києва прибуде делегація.",
     at("2026-01-03"), "uk", {one("2026-01-04")}, {"2026-01-04": "Київ"}),
    ("Через два тижні уряд представить план відновлення енергетики.",
     at("2026-01-03"), "uk", {one("2026-01-17")}, {}),
    ("Фестиваль триватиме з 28 грудня по 3 січня.",
     at("2025-12-20"), "uk", {one("2025-12-28", "2026-01-03")}, {}),
    ("У 2027 році в Україні відбудуться парламентські вибори.",
     at("2026-01-03"), "uk", {one("2027-01-01", "2027-12-31")}, {}),
    ("Як повідомлялося, 28 грудня Зеленський зустрівся з Трампом у Флориді.",
     at("2026-01-03"), "uk", set(), {}),
    ("Торік форум відбувся в Батумі, цьогоріч він пройде 9-10 жовтня в Одесі.",
     at("2026-07-01", KYIV_SUMMER), "uk", {one("2026-10-09", "2026-10-10")},
     {"2026-10-09": "Одеса"}),
    ("Старт продажу квитків запланований на 1 квітня.",
     at("2026-03-01"), "uk", {one("2026-04-01")}, {}),
    ("Відповідь Брюсселя очікується до кінця тижня.",
     at("2026-01-07"), "uk", {one("2026-01-11")}, {}),
    ("Следующий раунд переговоров запланирован на 15 января в Стамбуле.",
     at("2026-01-03"), "ru", {one("2026-01-15")}, {"2026-01-15": "Стамбул"}),
    ("Накануне, 2 января, в Киеве прошло совещание.", at("2026-01-03"), "ru", set(), {}),
    ("Выборы в Госдуму пройдут в сентябре.",
     at("2026-01-03"), "ru", {one("2026-09-01", "2026-09-30")}, {}),
    ("Через неделю в Женеве возобновятся переговоры.",
     at("2026-01-03"), "ru", {one("2026-01-10")}, {"2026-01-10": "Женева"}),
    ("Визит президента Франции в Киев ожидается 20 января.",
     at("2026-01-03"), "ru", {one("2026-01-20")}, {"2026-01-20": "Киев"}),
    ("Переговоры перенесены на следующую неделю.",
     at("2026-01-03"), "ru", {one("2026-01-05", "2026-01-11")}, {}),
    ("The next round of talks is set for Jan. 15 in Istanbul.",
     at("2026-01-03"), "en", {one("2026-01-15")}, {"2026-01-15": "Istanbul"}),
    ("The ministers will gather in Brussels on Monday.",
     at("2026-01-03"), "en", {one("2026-01-05")}, {"2026-01-05": "Brussels"}),
    ("Elections will be held in September.",
     at("2026-01-03"), "en", {one("2026-09-01", "2026-09-30")}, {}),
    ("The deal is expected to be signed by the end of the month.",
     at("2026-01-03"), "en", {one("2026-01-31")}, {}),
    ("Zelensky said a decision could come as early as Tuesday.",
     at("2026-01-03"), "en", {one("2026-01-06")}, {}),
    ("The EU summit on March 19-20, 2026 will focus on defence.",
     at("2026-01-03"), "en", {one("2026-03-19", "2026-03-20")}, {}),
    ("On Wednesday, the leaders agreed to meet again in two weeks.",
     at("2026-01-03"), "en", {one("2026-01-17")}, {}),
    ("The hearing has been delayed until Feb. 2.",
     at("2026-01-20"), "en", {one("2026-02-02")}, {}),
    ("Voting was held on Sunday in Moldova.", at("2026-01-03"), "en", set(), {}),
    ("NATO defence ministers are due to meet in Brussels on 12-13 February.",
     at("2026-01-03"), "en", {one("2026-02-12", "2026-02-13")}, {"2026-02-12": "Brussels"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "published", "language", "expected", "places"), CASES)
def test_announced_spans_and_places(
    text: str,
    published: datetime,
    language: str,
    expected: set[tuple[str, str]],
    places: dict[str, str],
) -> None:
    found = find_followups(text, published, language)
    assert spans(found) == expected
    for item in found:
        if item.starts_on.isoformat() in places:
            assert item.location == places[item.starts_on.isoformat()]


@pytest.mark.parametrize(("text", "published", "language", "expected", "places"), CASES[:12])
def test_language_is_guessed_when_not_given(
    text: str,
    published: datetime,
    language: str,
    expected: set[tuple[str, str]],
    places: dict[str, str],
) -> None:
    assert spans(find_followups(text, published)) == expected


def test_seed_article_shape() -> None:
    """The meeting-in-Paris pattern: a date with its venue, the eve by its own date, next week."""
    text = (
        "Під час зустрічі 3 січня в Києві радники обговорили гарантії безпеки.\n"
        '"Наступного тижня робота продовжиться на рівні лідерів", - написав він.\n'
        '"Домовилися перейти до підготовки зустрічі на рівні лідерів країн, яка відбудеться '
        '6 січня у Парижі. Напередодні, 5 січня, матимемо окрему нараду начальників штабів", '
        "- додав секретар."
    )
    found = find_followups(text, at("2026-01-03"), "uk")
    by_start = {(f.starts_on, f.ends_on): f for f in found}
    assert set(by_start) == {
        (date(2026, 1, 6), date(2026, 1, 6)),
        (date(2026, 1, 5), date(2026, 1, 5)),
        (date(2026, 1, 5), date(2026, 1, 11)),
    }
    paris = by_start[(date(2026, 1, 6), date(2026, 1, 6))]
    assert paris.location == "Париж"
    assert paris.what.startswith("зустріч")
    assert "6 січня у Парижі" in paris.sentence


def test_publisher_offset_decides_today() -> None:
    late_evening = datetime(2026, 1, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    found = find_followups("Talks will resume tomorrow in Geneva.", late_evening, "en")
    assert spans(found) == {one("2026-01-04")}


def test_changes_are_marked() -> None:
    moved = find_followups("Голосування перенесли на 13 січня.", at("2026-01-03"), "uk")
    assert [f.change for f in moved] == ["postponed"]
    called_off = find_followups(
        "Зустріч, яка мала відбутися 10 січня у Женеві, скасували.", at("2026-01-03"), "uk"
    )
    assert [(f.starts_on, f.change, f.location) for f in called_off] == [
        (date(2026, 1, 10), "cancelled", "Женева")
    ]
    plain = find_followups("Зустріч відбудеться 10 січня.", at("2026-01-03"), "uk")
    assert [f.change for f in plain] == [None]


def test_vague_spans_are_not_precise() -> None:
    found = find_followups("Саміт запланований на кінець лютого.", at("2026-01-03"), "uk")
    assert [(f.starts_on, f.ends_on, f.precise) for f in found] == [
        (date(2026, 2, 21), date(2026, 2, 28), False)
    ]
    exact = find_followups("Саміт запланований на 27 лютого.", at("2026-01-03"), "uk")
    assert [f.precise for f in exact] == [True]


def test_one_event_per_span() -> None:
    text = "У четвер, 8 січня, Рада розгляне законопроєкт. 8 січня також відбудеться брифінг."
    found = find_followups(text, at("2026-01-03"), "uk")
    assert spans(found) == {one("2026-01-08")}


def test_confidence_prefers_stated_events() -> None:
    strong = find_followups("Зустріч міністрів відбудеться 14 січня.", at("2026-01-03"), "uk")
    weak = find_followups("Наступного місяця щось зміниться.", at("2026-01-03"), "uk")
    assert strong and weak
    assert 0.0 < weak[0].confidence < strong[0].confidence <= 1.0
