"""Boilerplate learned across the pages of one host, as the pipeline counts it."""

from __future__ import annotations

from collections import Counter

from ingest.boilerplate import (
    MIN_LINE_PAGES,
    MIN_PAGES,
    PREFIX_MAX_WORDS,
    HostStats,
    fingerprints,
    strip_boilerplate,
)

STORIES = [
    (
        "Кабінет міністрів ухвалив нову програму підтримки фермерів на наступний рік.",
        "Програма передбачає пільгові кредити та компенсацію вартості техніки.",
    ),
    (
        "У Харкові відкрили відновлену після обстрілу школу на дев'ятсот учнів.",
        "Ремонт тривав півтора року і коштував понад сто мільйонів гривень.",
    ),
    (
        "Верховна Рада розгляне законопроєкт про реформу місцевого самоврядування в четвер.",
        "Профільний комітет рекомендував ухвалити документ у першому читанні.",
    ),
    (
        "Національний банк залишив облікову ставку без змін на рівні п'ятнадцяти відсотків.",
        "Наступне засідання правління з монетарної політики відбудеться у березні.",
    ),
    (
        "У Львові стартував міжнародний книжковий форум, який триватиме чотири дні.",
        "Організатори очікують понад сто тисяч відвідувачів і триста видавництв.",
    ),
    (
        "Укрзалізниця призначила додаткові поїзди до Карпат на зимові свята.",
        "Квитки на нові рейси вже можна придбати на сайті та в застосунку.",
    ),
]
HEADLINES = [
    "Мер Одеси представив план ремонту доріг",
    "У Житомирі відкрили новий парк",
    "Експорт зерна зріс на десять відсотків",
    "Уряд продовжив програму «єОселя»",
    "Рятувальники отримали нові автомобілі",
    "Вчені знайшли новий вид рослин у Карпатах",
]


def host_page(i: int, day: int) -> str:
    lead, body = STORIES[i]
    return "\n".join(
        [
            "Головна / Суспільство",
            f"{day:02d}.03.2026, 1{i}:30",
            lead,
            f"Головне за день: {HEADLINES[i]}",
            body,
            "Стежте за нами у соцмережах та отримуйте новини першими",
        ]
    )


def learn(texts: list[str]) -> Counter[str]:
    """What the pipeline's table holds after recording every page's fingerprints once."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(fingerprints(text))
    return counts


def clean(text: str, counts: Counter[str], pages: int) -> str:
    return strip_boilerplate(text, HostStats(pages, {fp: counts[fp] for fp in fingerprints(text)}))


def test_recurring_lines_of_a_host_are_stripped_and_the_story_kept() -> None:
    texts = [host_page(i, 10 + i) for i in range(len(STORIES))]
    counts = learn(texts)
    for i, text in enumerate(texts):
        assert clean(text, counts, len(texts)).splitlines() == list(STORIES[i])


def test_templates_with_varying_digits_and_tails_share_one_key() -> None:
    first = fingerprints("12.03.2026, 10:30\nГоловне за день: Мер Одеси представив план")
    second = fingerprints("01.04.2025, 18:05\nГоловне за день: Експорт зерна зріс")
    assert len(set(first) & set(second)) == 2


def test_fingerprints_are_distinct_per_page() -> None:
    keys = fingerprints("Same line\nSame line\nsame   LINE!\nOther line")
    assert len(keys) == len(set(keys)) == 2


def test_nothing_is_stripped_below_min_pages() -> None:
    texts = [host_page(i, 10 + i) for i in range(MIN_PAGES - 1)]
    counts = learn(texts)
    for text in texts:
        assert clean(text, counts, len(texts)) == text


def test_lines_on_too_few_pages_are_kept() -> None:
    texts = [host_page(i, 10 + i) for i in range(len(STORIES))]
    shared = "Нагадаємо, раніше агентство повідомляло про інші кроки в цьому напрямку."
    texts = [t + "\n" + shared if i < MIN_LINE_PAGES - 1 else t for i, t in enumerate(texts)]
    counts = learn(texts)
    assert shared in clean(texts[0], counts, len(texts)).splitlines()


def test_lead_paragraph_is_kept_even_when_its_label_recurs() -> None:
    texts = [f"КИЇВ: {lead}\n{body}" for lead, body in STORIES]
    counts = learn(texts)
    for text, (lead, _) in zip(texts, STORIES, strict=True):
        assert clean(text, counts, len(texts)).splitlines()[0] == f"КИЇВ: {lead}"


def test_long_paragraph_opening_with_a_recurring_label_is_kept() -> None:
    texts = [host_page(i, 10 + i) for i in range(len(STORIES))]
    long_line = "Головне за день: " + " ".join(["уряд ухвалив важливе рішення"] * PREFIX_MAX_WORDS)
    texts[0] = texts[0] + "\n" + long_line
    counts = learn(texts)
    assert long_line in clean(texts[0], counts, len(texts)).splitlines()


def test_a_read_also_label_of_four_words_is_learned_with_varying_headlines() -> None:
    pages = [
        (
            "The council approved the city budget for next year after a long debate.",
            "Also on the site: Mayor opens a new bridge",
        ),
        (
            "Police detained two suspects after a robbery in the city centre on Monday.",
            "Also on the site: Schools close for winter holidays",
        ),
        (
            "Совет директоров утвердил дивиденды за третий квартал текущего года.",
            "Also on the site: Курс гривны укрепился",
        ),
        (
            "Airport traffic grew by a fifth compared with the same month last year.",
            "Also on the site: New tram line opens in March",
        ),
        (
            "В Одессе открыли новый терминал морского порта для контейнеров.",
            "Also on the site: Погода на выходные",
        ),
    ]
    texts = [f"{lead}\n{also}" for lead, also in pages]
    counts = learn(texts)
    assert [clean(t, counts, len(texts)) for t in texts] == [lead for lead, _ in pages]
